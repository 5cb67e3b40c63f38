// Crash test: a writer child is killed with SIGKILL at random moments, hundreds of times. After every kill
// cloud.conf is the old text or the new one (never a mix), it parses, and nothing but our own temp names
// (`.cloud.conf.netdata-cloud-*.tmp`, which the agent never opens) and our lock is left; the next run cleans those.
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {after, before, describe, test} from 'node:test'

import {ConfigDocument} from '../../src/config/document.js'
import {LOCK_NAME} from '../../src/config/lock.js'
import {writeFileAtomically} from '../../src/config/write.js'
import {ROOT} from '../helpers/cli.js'

const ITERATIONS = 200
// large enough that a write takes a while (a torn write would show), distinct enough to tell apart
const version = (n: number) =>
  `[global]\n\tenabled = ${n % 2 ? 'yes' : 'no'}\n\t# generation ${n}\n${'#'.repeat(200_000)}\n`

describe('writer crash safety (kill -9)', () => {
  let dir: string
  let bundle: string

  before(() => {
    dir = mkdtempSync('/tmp/nc-crash.')
    bundle = join(dir, 'write.mjs')
    // a plain-JS bundle of write.ts: a child starts without tsx's compile step
    // (esbuild comes with tsx)
    const b = spawnSync(join(ROOT, 'node_modules/.bin/esbuild'), [
      join(ROOT, 'src/config/write.ts'),
      '--bundle',
      '--format=esm',
      '--platform=node',
      '--log-level=error',
      `--outfile=${bundle}`,
    ])
    assert.equal(b.status, 0, String(b.stderr))
    mkdirSync(join(dir, 'cloud.d'))
  })

  after(() => rmSync(dir, {force: true, recursive: true}))

  test(`${ITERATIONS} kills: the file is always a whole old or new version and parses`, async () => {
    const target = join(dir, 'cloud.d/cloud.conf')
    writeFileAtomically(target, version(0))
    const child = `
      import {writeFileAtomically} from ${JSON.stringify(bundle)}
      const version = ${version.toString()}
      process.stdout.write('ready\\n')
      for (let n = 1; ; n++) writeFileAtomically(${JSON.stringify(target)}, version(n), {lockWaitMs: 10000})`
    const seen = new Set<string>()
    let strays = 0
    const t0 = Date.now()
    for (let i = 0; i < ITERATIONS; i++) {
      const c = spawn(process.execPath, ['--input-type=module', '-e', child], {stdio: ['ignore', 'pipe', 'inherit']})
      const exited = new Promise(resolve => c.once('exit', resolve))
      await new Promise(resolve => c.stdout!.once('data', resolve))
      await sleep(Math.floor(Math.random() * 25))
      c.kill('SIGKILL')
      await exited
      const text = readFileSync(target, 'utf8')
      const m = /# generation (\d+)\n/.exec(text)
      assert.ok(m, `iteration ${i}: the file has a generation marker`)
      assert.equal(text, version(Number(m[1])), `iteration ${i}: a whole version, not a mix`)
      assert.match(ConfigDocument.parse(text).get('global', 'enabled')!.value, /^(yes|no)$/)
      seen.add(m[1])
      for (const name of readdirSync(join(dir, 'cloud.d'))) {
        if (name === 'cloud.conf') continue
        assert.ok(
          name === LOCK_NAME ||
            name.startsWith(`${LOCK_NAME}.`) ||
            /^\.cloud\.conf\.netdata-cloud-[\da-f]+\.tmp$/.test(name),
          `iteration ${i}: unexpected file ${name}`,
        )
        if (name.endsWith('.tmp')) strays++
      }
    }

    const ms = Date.now() - t0
    // the kills landed at different points: many different generations survived, and some runs died mid-write
    assert.ok(seen.size > 1, `several generations survived (${seen.size})`)
    writeFileAtomically(target, version(0))
    assert.deepEqual(
      readdirSync(join(dir, 'cloud.d')),
      ['cloud.conf'],
      'the next run removed stray temps and the stale lock',
    )
    console.log(
      `# crash test: ${ITERATIONS} kills in ${ms} ms, ${seen.size} distinct surviving generations, ${strays} stray temps seen (all ours, removed by the next run)`,
    )
  })

  test('a temp file of ours is never a name the agent reads', () => {
    writeFileSync(join(dir, 'cloud.d/.cloud.conf.netdata-cloud-00ff.tmp'), 'half')
    writeFileAtomically(join(dir, 'cloud.d/cloud.conf'), version(1))
    assert.deepEqual(readdirSync(join(dir, 'cloud.d')), ['cloud.conf'])
  })
})
