// Issue 14 item 8 (claim): in claim.conf mode (v2), --ca cannot reach the agent; it is said, not silently dropped.
import assert from 'node:assert/strict'
import {rmSync} from 'node:fs'
import {after, before, test} from 'node:test'

import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {cli, makeLayout, V2} from './claim-env.js'

const TOKEN = 'tok-ClaimConfCa-0a1b2c3d4e5f'
let emu: Emulator
before(async () => {
  emu = await startEmulator({tokens: [TOKEN]})
})
after(async () => emu?.close())

test('v2 claim.conf with --ca: a warning names what happens instead (--direct, or cloud.d/trusted.pem)', async () => {
  const l = makeLayout(TOKEN)
  try {
    const args = ['claim', ...l.flags, '--buildinfo-file', V2, '--token-file', l.tokenFile, '--url', emu.url]
    const r = await cli([...args, '--ca', emu.caPath, '--no-reload', '--json'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(r.json.result.method, 'v2-claim.conf')
    const w = r.json.warnings.find((x: {message: string}) => x.message.startsWith('--ca'))
    assert.ok(w, JSON.stringify(r.json.warnings))
    assert.match(w.message, /is not passed on: claim\.conf has no CA setting/)
    assert.match(w.fix, /--direct.*trusted\.pem/)
    const direct = await cli([...args, '--ca', emu.caPath, '--direct', '--no-reload', '--json', '--force'])
    assert.ok(
      !direct.json.warnings.some((x: {message: string}) => x.message.startsWith('--ca')),
      'no warning with --direct',
    )
  } finally {
    rmSync(l.dir, {force: true, recursive: true})
  }
})
