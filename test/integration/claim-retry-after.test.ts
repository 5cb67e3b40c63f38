// Issue 14 item 9: Cloud's Retry-After is read. A final 503 with Retry-After names the seconds Cloud gave (not "a
// few minutes"), and the v2 retry loop waits that long before the next attempt.
import assert from 'node:assert/strict'
import {rmSync} from 'node:fs'
import {after, before, test} from 'node:test'

import {retryAfter} from '../../src/cloud/claim-request.js'
import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {cli, type Layout, makeLayout, V1, V2} from './claim-env.js'

const TOKEN = 'tok-RetryAfter-0a1b2c3d4e5f'
let emu42: Emulator
let emu1: Emulator
const layouts: Layout[] = []
before(async () => {
  emu42 = await startEmulator({faults: ['retry-after:42'], tokens: [TOKEN]})
  emu1 = await startEmulator({faults: ['retry-after:1'], tokens: [TOKEN]})
})
after(async () => {
  await emu42?.close()
  await emu1?.close()
  for (const l of layouts) rmSync(l.dir, {force: true, recursive: true})
})

const claim = (emu: Emulator, build: string, extra: string[]) => {
  const l = makeLayout(TOKEN)
  layouts.push(l)
  return cli([
    'claim',
    ...l.flags,
    '--buildinfo-file',
    build,
    '--token-file',
    l.tokenFile,
    '--url',
    emu.url,
    '--ca',
    emu.caPath,
    '--no-reload',
    '--json',
    ...extra,
  ])
}

test('v1: 503 with Retry-After: 42 → the fix says 42 s, not "a few minutes"', async () => {
  const r = await claim(emu42, V1, [])
  assert.equal(r.code, 25, r.stdout + r.stderr)
  assert.match(r.json.error.message, /retry after 42 s \(Retry-After\)/)
  assert.match(r.json.error.fix, /^try again in 42 s \(Netdata Cloud's Retry-After\)/)
  assert.doesNotMatch(r.json.error.fix, /few minutes/)
})

test('v2 --direct --retries 1: the second attempt comes after the 1 s Cloud asked for (not 400 ms)', async () => {
  const started = Date.now()
  const r = await claim(emu1, V2, ['--direct', '--retries', '1'])
  const ms = Date.now() - started
  assert.equal(r.code, 25, r.stdout + r.stderr)
  const {claims} = emu1.records
  assert.equal(claims.length, 2)
  assert.ok(ms >= 1000, `took ${ms} ms`)
  assert.match(r.json.error.fix, /try again in 1 s/)
})

test('Retry-After as seconds or an HTTP date; junk is ignored', () => {
  assert.equal(retryAfter('42'), 42_000)
  assert.equal(retryAfter(''), null)
  assert.equal(retryAfter('soon'), null)
  const d = retryAfter(new Date(Date.now() + 10_000).toUTCString())!
  assert.ok(d > 8000 && d <= 10_000, String(d))
})

test('item 19: Cloud 409 ErrAlreadyClaimed → the fix names the cloned-machine case and unclaim --regenerate-guid', async () => {
  const emu = await startEmulator({faults: ['already-claimed'], tokens: [TOKEN]})
  try {
    const r = await claim(emu, V1, [])
    assert.equal(r.code, 14, r.stdout + r.stderr)
    assert.match(r.json.error.fix, /cloned from another node .* netdata-cloud unclaim --regenerate-guid --yes/)
  } finally {
    await emu.close()
  }
})
