// Reads while other runs write (issue 13: 1 in 300 concurrent enable/disable runs failed with "cloud.conf: changed
// while being read; run again", from the unlocked pre-read in updateFileAtomically). A rename between the reader's
// lstat and its open is a finished write: the reader reads again. Real processes, a real file, no mocks.
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {writeFileAtomically} from '../../src/config/write.js'
import {ROOT} from '../helpers/cli.js'

const WRITERS = 2
const UPDATES = 150

describe('concurrent updates and reads of one file', () => {
  let dir: string
  let bundle: string

  before(() => {
    dir = mkdtempSync('/tmp/nc-concurrent.')
    bundle = join(dir, 'write.mjs')
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

  test(`${WRITERS} processes × ${UPDATES} updateFileAtomically + a reader looping readFileForEdit: no failure, no lost update`, async () => {
    const target = join(dir, 'cloud.d/cloud.conf')
    writeFileAtomically(target, '[global]\n\tcount = 0\n')
    const writer = `
      import {updateFileAtomically, editConfigText} from ${JSON.stringify(bundle)}
      let failures = 0
      for (let i = 0; i < ${UPDATES}; i++) {
        try {
          updateFileAtomically(${JSON.stringify(target)}, t => editConfigText(t, d => d.set('global', 'count', String(Number(d.get('global', 'count').value) + 1))), {lockWaitMs: 20000})
        } catch (e) { failures++; console.error(e.message) }
      }
      process.stdout.write(String(failures))`
    const doneFile = join(dir, 'done')
    const reader = `
      import {existsSync} from 'node:fs'
      import {readFileForEdit} from ${JSON.stringify(bundle)}
      let failures = 0, reads = 0
      const end = Date.now() + 120000
      while (!existsSync(${JSON.stringify(doneFile)}) && Date.now() < end) {
        try { readFileForEdit(${JSON.stringify(target)}); reads++ } catch (e) { failures++; if (failures < 3) console.error(e.message) }
      }
      process.stdout.write(JSON.stringify({failures, reads}))`
    const run = (code: string) => {
      const c = spawn(process.execPath, ['--input-type=module', '-e', code], {stdio: ['ignore', 'pipe', 'pipe']})
      let out = ''
      let err = ''
      c.stdout.on('data', d => {
        out += d
      })
      c.stderr.on('data', d => {
        err += d
      })
      return {
        child: c,
        done: new Promise<{err: string; out: string}>(resolve => c.once('close', () => resolve({err, out}))),
      }
    }

    const r = run(reader)
    const writers = Array.from({length: WRITERS}, () => run(writer))
    const results = await Promise.all(writers.map(w => w.done))
    writeFileSync(doneFile, '')
    const read = await r.done
    const {failures, reads} = JSON.parse(read.out)
    console.log(`# reader: ${reads} reads, ${failures} failures; writers: ${WRITERS * UPDATES} updates`)
    assert.equal(failures, 0, read.err)
    assert.ok(reads > 100, `the reader ran (${reads} reads)`)
    const writerFailures = results.map(x => Number(x.out))
    assert.deepEqual(
      writerFailures,
      Array.from({length: WRITERS}, () => 0),
      results.map(x => x.err).join('\n'),
    )
    assert.equal(readFileSync(target, 'utf8'), `[global]\n\tcount = ${WRITERS * UPDATES}\n`, 'no lost update')
  })
})
