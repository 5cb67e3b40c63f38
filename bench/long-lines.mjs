// Long lines: the config parser (parse + set + render of cloud.conf) and the buildinfo parser on one line of `x`,
// N spaces, `x` (and a `# a<spaces>b` comment line in cloud.conf), for N = 1 KB … 1 MB. Time per byte must stay flat:
// a `\s+$` regex made both quadratic (issue 13: 100K spaces took 8.6 s). Loads src/ through tsx, in-process.
//   node bench/long-lines.mjs [--max BYTES]     prints a table; bench/run.mjs --only long-lines puts it in results.json
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {stats} from './measure.mjs'

const SIZES = [1024, 10 * 1024, 100 * 1024, 1024 * 1024]
const FIXTURE = fileURLToPath(new URL('../test/fixtures/buildinfo/E-v1.42.0.txt', import.meta.url))

export async function longLines({max = Infinity, minMs = 200, maxReps = 50} = {}) {
  const {tsImport} = await import('tsx/esm/api')
  const {ConfigDocument} = await tsImport('../src/config/document.ts', import.meta.url)
  const {parseBuildinfo} = await tsImport('../src/agent/buildinfo.ts', import.meta.url)
  const buildinfo = readFileSync(FIXTURE, 'utf8')
  const inputs = {
    'buildinfo x<spaces>x': n => () => parseBuildinfo(buildinfo + `x${' '.repeat(n)}x\n`),
    'cloud.conf # a<spaces>b': n => () => {
      const doc = ConfigDocument.parse(`[global]\n# a${' '.repeat(n)}b\n\tenabled = yes\n`)
      doc.set('global', 'enabled', 'no')
      doc.set('global', 'proxy', 'none')
      return doc.render()
    },
    'cloud.conf key = x<spaces>x': n => () => {
      const doc = ConfigDocument.parse(`[global]\n\tproxy = x${' '.repeat(n)}x\n`)
      doc.set('global', 'proxy', 'none')
      return doc.render()
    },
  }
  const rows = []
  for (const [input, make] of Object.entries(inputs)) {
    for (const bytes of SIZES.filter(s => s <= max)) {
      const once = make(bytes)
      const time = () => {
        const t0 = process.hrtime.bigint()
        once()
        return Number(process.hrtime.bigint() - t0) / 1e6
      }

      time() // warm-up
      const times = []
      const start = Date.now()
      while (times.length < 3 || (Date.now() - start < minMs && times.length < maxReps)) times.push(time())
      const s = stats(times)
      rows.push({bytes, input, ms: s, nsPerByte: (s.median * 1e6) / bytes})
    }
  }

  return rows
}

export function longLinesTable(rows) {
  const lines = ['input | bytes | median ms | ns per byte', '--- | --- | --- | ---']
  for (const r of rows) lines.push(`${r.input} | ${r.bytes} | ${r.ms.median.toFixed(3)} | ${r.nsPerByte.toFixed(2)}`)
  return lines.join('\n') + '\n'
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--max')
  const rows = await longLines({max: i === -1 ? Infinity : Number(process.argv[i + 1])})
  process.stdout.write(longLinesTable(rows))
}
