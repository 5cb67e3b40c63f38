// status verdicts across eras and file states, on real files in a temp tree, with a stand-in netdata binary that
// prints a fixture buildinfo (Debian ships only 1.37.1, built without cloud). Unit tier: fixture accounts where the
// agent's user netdata is the running user (test/helpers/accounts.ts), so no root and no netdata account.
import assert from 'node:assert/strict'
import {generateKeyPairSync} from 'node:crypto'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {discoverInstall} from '../../src/agent/install.js'
import {getStatus} from '../../src/services/status.js'
import {NETDATA_IS_ME, NETDATA_IS_OTHER, writeAccounts} from '../helpers/accounts.js'

const accounts = {me: writeAccounts(NETDATA_IS_ME), other: writeAccounts(NETDATA_IS_OTHER)}
Object.assign(process.env, accounts.me.env)

function node(fixture: string, version: string): {root: string; opts: Parameters<typeof discoverInstall>[0]} {
  const root = mkdtempSync('/tmp/nc-status.')
  const text = readFileSync(new URL(`../fixtures/buildinfo/${fixture}`, import.meta.url), 'utf8')
  writeFileSync(join(root, 'buildinfo.txt'), text)
  writeFileSync(
    join(root, 'netdata'),
    `#!/bin/sh\nif [ "$1" = "-v" ]; then echo "netdata ${version}"; exit 0; fi\ncat "${root}/buildinfo.txt"\n`,
  )
  chmodSync(join(root, 'netdata'), 0o755)
  mkdirSync(join(root, 'etc'))
  mkdirSync(join(root, 'lib'))
  return {
    opts: {
      agentUrl: 'http://127.0.0.1:9',
      configDir: join(root, 'etc'),
      env: {},
      libDir: join(root, 'lib'),
      netdata: join(root, 'netdata'),
    },
    root,
  }
}

function claim(root: string, options: {claimedId?: string; mismatch?: boolean} = {}): string {
  const dir = join(root, 'lib/cloud.d')
  mkdirSync(dir, {recursive: true})
  const id = '4f0c6a52-1b3e-4b6f-9d62-5a3c1f0e7b11'
  writeFileSync(join(dir, 'claimed_id'), options.claimedId ?? id)
  const a = generateKeyPairSync('rsa', {modulusLength: 2048})
  const b = options.mismatch ? generateKeyPairSync('rsa', {modulusLength: 2048}) : a
  writeFileSync(join(dir, 'private.pem'), a.privateKey.export({format: 'pem', type: 'pkcs8'}), {mode: 0o600})
  writeFileSync(join(dir, 'public.pem'), b.publicKey.export({format: 'pem', type: 'spki'}))
  return id
}

describe('status verdicts (offline: files and build only)', () => {
  test('a cloud-capable v1.42 node, unclaimed → notClaimed, with the claim command as fix', async () => {
    const {opts} = node('E-v1.42.0.txt', 'v1.42.0')
    const s = await getStatus(discoverInstall(opts), {offline: true})
    assert.equal(s.verdict.code, 'notClaimed')
    assert.match(s.verdict.fix ?? '', /netdata-cloud claim/)
    assert.equal(s.cloudConf.enabled.effective, 'auto', 'v1.41–1.47 default to auto')
    assert.equal(s.cloudConf.url.value, 'https://app.netdata.cloud')
  })

  test('claimed, keys match, owned by the agent user → nothing in the files stops it (offline-ok)', async () => {
    const {opts, root} = node('D-v1.40.0.txt', 'v1.40.0')
    const id = claim(root)
    const s = await getStatus(discoverInstall(opts), {offline: true})
    assert.equal(s.verdict.state, 'offline-ok', JSON.stringify(s.findings))
    assert.equal(s.claim.claimId, id)
    assert.equal(s.claim.keysMatch, true)
  })

  test('cloud.conf enabled = 1 on v1.40 is off (1 is not a boolean for netdata) → cloudDisabled with the line', async () => {
    const {opts, root} = node('D-v1.40.0.txt', 'v1.40.0')
    claim(root)
    writeFileSync(join(root, 'lib/cloud.d/cloud.conf'), '# mine\n[global]\n    enabled = 1\n')
    const s = await getStatus(discoverInstall(opts), {offline: true})
    assert.equal(s.verdict.code, 'cloudDisabled')
    assert.equal(s.cloudConf.enabled.source, 'cloud.conf:3')
    assert.match(s.cloudConf.enabled.note ?? '', /`1` is not a boolean/)
  })

  test('v1.44: `enabled = Yes` is not understood (case-sensitive) and falls back to auto, not off', async () => {
    const {opts, root} = node('E-v1.42.0.txt', 'v1.44.0')
    claim(root)
    writeFileSync(join(root, 'lib/cloud.d/cloud.conf'), '[global]\n\tenabled = Yes\n')
    const s = await getStatus(discoverInstall(opts), {offline: true})
    assert.equal(s.cloudConf.enabled.effective, 'auto')
    assert.notEqual(s.verdict.code, 'cloudDisabled')
  })

  test('claimed_id with a trailing newline on v1 → the node counts as unclaimed (invalidConfig, named)', async () => {
    const {opts, root} = node('D-v1.40.0.txt', 'v1.40.0')
    claim(root, {claimedId: '4f0c6a52-1b3e-4b6f-9d62-5a3c1f0e7b11\n'})
    const s = await getStatus(discoverInstall(opts), {offline: true})
    assert.equal(s.verdict.code, 'invalidConfig')
    assert.match(s.verdict.message, /newline/)
  })

  test('public.pem from another key pair → invalidConfig naming both files', async () => {
    const {opts, root} = node('D-v1.40.0.txt', 'v1.40.0')
    claim(root, {mismatch: true})
    const s = await getStatus(discoverInstall(opts), {offline: true})
    assert.equal(s.claim.keysMatch, false)
    assert.equal(s.verdict.code, 'invalidConfig')
    assert.match(s.verdict.message, /public\.pem does not belong to .*private\.pem/)
  })

  test('cloud.d owned by root → permission, with the chown fix', async () => {
    const {opts, root} = node('D-v1.40.0.txt', 'v1.40.0')
    claim(root)
    // the same tree, where the running user (who made it) is root and netdata someone else
    Object.assign(process.env, accounts.other.env)
    try {
      const s = await getStatus(discoverInstall(opts), {offline: true})
      assert.equal(s.verdict.code, 'permission')
      assert.match(s.verdict.fix ?? '', /^chown -R netdata:netdata /)
      assert.match(s.verdict.message, /belongs to root, not to the agent's user netdata/)
    } finally {
      Object.assign(process.env, accounts.me.env)
    }
  })

  test('a cloud.conf in /etc/netdata is flagged: the agent never reads it', async () => {
    const {opts, root} = node('D-v1.40.0.txt', 'v1.40.0')
    mkdirSync(join(root, 'etc/cloud.d'))
    writeFileSync(join(root, 'etc/cloud.d/cloud.conf'), '[global]\n  enabled = no\n')
    const s = await getStatus(discoverInstall(opts), {offline: true})
    assert.deepEqual(s.cloudConf.misplaced, [join(root, 'etc/cloud.d/cloud.conf')])
    assert.ok(s.findings.some(f => /never reads it/.test(f.message)))
    assert.notEqual(s.verdict.code, 'cloudDisabled', 'the misplaced file does not disable anything')
  })

  test('v2.x: cloud.conf `url` and claimed_id inside cloud.conf; `enabled` is ignored', async () => {
    const {opts, root} = node('v2-v2.11.0.txt', 'v2.11.0')
    claim(root)
    writeFileSync(
      join(root, 'lib/cloud.d/cloud.conf'),
      '[global]\n\tenabled = no\n\turl = https://cloud.example.test\n\tclaimed_id = 11111111-2222-4333-8444-555555555555\n',
    )
    const s = await getStatus(discoverInstall(opts), {offline: true})
    assert.equal(s.cloudConf.enabled.effective, 'ignored')
    assert.equal(s.cloudConf.url.value, 'https://cloud.example.test')
    assert.equal(s.claim.claimId, '11111111-2222-4333-8444-555555555555')
    assert.equal(s.verdict.state, 'offline-ok')
  })

  test('v1.32 with [cloud] proxy in netdata.conf: the proxy and its source line; credentials redacted', async () => {
    const {opts, root} = node('C-v1.32.1-both.txt', 'v1.32.1')
    writeFileSync(
      join(root, 'etc/netdata.conf'),
      '[global]\n\trun as user = netdata\n\n[cloud]\n\tproxy = http://alice:s3cret@127.0.0.1:3128\n\taclk implementation = legacy\n',
    )
    const s = await getStatus(discoverInstall(opts), {offline: true})
    assert.equal(s.cloudConf.proxy.source, 'netdata.conf:5')
    assert.equal(s.cloudConf.proxy.value, 'http://alice:****@127.0.0.1:3128')
    assert.equal(s.implementation.configured?.value, 'legacy')
    assert.deepEqual(s.implementation.available, ['ng', 'legacy'])
    assert.doesNotMatch(JSON.stringify(s), /s3cret/)
  })
})
