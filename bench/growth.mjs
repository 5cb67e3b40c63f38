// Growth: parse + edit + render of netdata.conf at 1×, 10× and 100× the real 824-line file (Debian 1.37.1's served
// netdata.conf). The cost per line must stay flat (linear). Loads src/config/document.ts through tsx, so it does not
// depend on how the CLI is built.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {stats} from './measure.mjs'

const REAL = fileURLToPath(new URL('../test/fixtures/netdata-1.37.1-debian/netdata.conf', import.meta.url))

export async function growth({factors = [1, 10, 100], minMs = 300, maxReps = 200} = {}) {
  const {tsImport} = await import('tsx/esm/api')
  const {ConfigDocument} = await tsImport('../src/config/document.ts', import.meta.url)
  const text = readFileSync(REAL, 'utf8')
  const rows = []
  for (const factor of factors) {
    const big = text.repeat(factor)
    const lines = big.split('\n').length - (big.endsWith('\n') ? 1 : 0)
    const once = () => {
      const t0 = process.hrtime.bigint()
      const doc = ConfigDocument.parse(big)
      doc.set('global', 'run as user', 'netdata-bench')
      doc.set('cloud', 'proxy', 'none')
      const out = doc.render()
      const ms = Number(process.hrtime.bigint() - t0) / 1e6
      if (out.length < big.length) throw new Error('render lost bytes')
      return ms
    }

    for (let i = 0; i < 3; i++) once() // warm-up (JIT)
    const times = []
    const start = Date.now()
    while (times.length < 5 || (Date.now() - start < minMs && times.length < maxReps)) times.push(once())
    const s = stats(times)
    rows.push({
      bytes: big.length,
      factor,
      lines,
      ms: s,
      usPerLine: (s.median * 1000) / lines,
    })
  }

  return rows
}
