// Issue 14 item 6: the README's exit-code table, walked against real runs of the built CLI. Every code in the table
// (= src/base/errors.ts, kept equal by test/cli/readme.test.ts) is produced by a run here, except `bug`, which no
// input may produce. Everything is on loopback: an in-process emulator, stand-in agent APIs, a files-only resolver in
// a private mount namespace for the DNS failure, a read-only tmpfs for the write failure, libfaketime for the clock.
import assert from 'node:assert/strict'
import {chownSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, test} from 'node:test'

import {lookupUser} from '../../src/agent/accounts.js'
import {EXIT, type ErrorCode} from '../../src/base/errors.js'
import {acquireLock} from '../../src/config/lock.js'
import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {ROOT, runCliAsync, runProcess} from '../helpers/cli.js'
import {CLAIM_ID, claimNode, fakeNode} from '../helpers/fake-node.js'
import {makeLayout, V1, V2} from './claim-env.js'
import {makeClaimedNode, startAgentApi} from './linked-node.js'

const TOKEN = 'tok-ExitTable-0a1b2c3d4e5f'
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
const table = new Map(
  [...readme.matchAll(/^\| (\d+) \| `(\w+)` \|/gm)].map(m => [m[2] as ErrorCode, Number(m[1])] as const),
)
const seen = new Map<ErrorCode, string>()

let emu: Emulator
let stalled: Emulator
const servers: Array<{close: (cb: () => void) => void}> = []
before(async () => {
  emu = await startEmulator({tokens: [TOKEN]})
  stalled = await startEmulator({faults: ['stall'], tokens: [TOKEN]})
})
after(async () => {
  await emu?.close()
  await stalled?.close()
  for (const s of servers) await new Promise<void>(resolve => s.close(() => resolve()))
})

async function expect(code: ErrorCode, args: string[], options: {env?: NodeJS.ProcessEnv; wrap?: string[]} = {}) {
  const r = options.wrap
    ? await runProcess(options.wrap[0], [...options.wrap.slice(1), process.execPath, `${ROOT}/bin/run.js`, ...args], {
        env: options.env,
      })
    : await runCliAsync(args, {env: options.env})
  assert.equal(
    r.code,
    table.get(code),
    `${code}: README says ${table.get(code)}; ${args.join(' ')} → ${r.code}\n${r.stdout}${r.stderr}`,
  )
  assert.equal(r.code, EXIT[code])
  // with --json, the one JSON document names the code (except for success)
  if (args.includes('--json') && code !== 'ok') {
    const name = r.json?.error?.code ?? (r.json?.ok === false ? code : undefined)
    assert.equal(name, code, `${code}: ${r.stdout}`)
  }

  seen.set(code, args.join(' '))
  return r
}

const user = lookupUser('netdata')!
function tree() {
  const d = mkdtempSync('/tmp/nc-exit.')
  mkdirSync(join(d, 'etc'))
  mkdirSync(join(d, 'lib/cloud.d'), {recursive: true})
  chownSync(join(d, 'lib'), user.uid, user.gid)
  chownSync(join(d, 'lib/cloud.d'), user.uid, user.gid)
  return {d, dirs: ['--config-dir', join(d, 'etc'), '--lib-dir', join(d, 'lib')]}
}

test('every exit code of the README table comes from a real run', async () => {
  await expect('ok', ['buildinfo', '--file', V1, '--json'])
  await expect('usage', ['status', '--no-such-flag'])
  const empty = mkdtempSync('/tmp/nc-exit-empty.')
  await expect('noAgent', ['status', '--prefix', empty, '--json'])

  const debian = fakeNode('D-v1.37.1-debian.txt', 'v1.37.1')
  await expect('noAclk', ['status', ...debian.flags, '--offline', '--json'])

  const off = fakeNode('D-v1.40.0.txt', 'v1.40.0')
  claimNode(off.root)
  writeFileSync(join(off.libDir, 'cloud.d/cloud.conf'), '[global]\n\tenabled = no\n')
  await expect('cloudDisabled', ['status', ...off.flags, '--offline', '--json'])

  const unclaimed = fakeNode('E-v1.42.0.txt', 'v1.42.0')
  await expect('notClaimed', ['status', ...unclaimed.flags, '--offline', '--json'])

  const l = makeLayout(TOKEN)
  const claim = (flags: string[], url: string, ca: string, extra: string[] = []) => [
    'claim',
    ...flags,
    '--buildinfo-file',
    V1,
    '--url',
    url,
    '--ca',
    ca,
    '--no-reload',
    '--json',
    ...extra,
  ]
  const wrongToken = join(l.dir, 'wrong-token')
  writeFileSync(wrongToken, 'tok-not-this-one\n', {mode: 0o600})
  await expect('claimRejected', claim(l.flags, emu.url, emu.caPath, ['--token-file', wrongToken]))
  await expect(
    'timeout',
    claim(l.flags, stalled.url, stalled.caPath, ['--token-file', l.tokenFile, '--timeout', '500']),
  )
  const ok = await runCliAsync(claim(l.flags, emu.url, emu.caPath, ['--token-file', l.tokenFile]))
  assert.equal(ok.code, 0, ok.stdout + ok.stderr)
  await expect('alreadyClaimed', claim(l.flags, emu.url, emu.caPath, ['--token-file', l.tokenFile]))

  const rootOwned = fakeNode('D-v1.40.0.txt', 'v1.40.0')
  claimNode(rootOwned.root)
  chownSync(join(rootOwned.libDir, 'cloud.d'), 0, 0)
  await expect('permission', ['status', ...rootOwned.flags, '--offline', '--json'])

  const newline = fakeNode('D-v1.40.0.txt', 'v1.40.0')
  claimNode(newline.root, `${CLAIM_ID}\n`)
  await expect('invalidConfig', ['status', ...newline.flags, '--offline', '--json'])

  const down = fakeNode('D-v1.40.0.txt', 'v1.40.0')
  claimNode(down.root)
  await expect('agentUnreachable', ['status', ...down.flags, '--agent-url', 'http://127.0.0.1:9', '--json'])
  const offline = await startAgentApi(CLAIM_ID, () => false)
  servers.push(offline)
  const offlineUrl = `http://127.0.0.1:${(offline.address() as {port: number}).port}`
  await expect('notLinked', ['status', ...down.flags, '--agent-url', offlineUrl, '--json'])

  await expect('badInput', ['buildinfo', '--file', empty, '--json'])
  const t = tree()
  await expect('unsupported', ['enable', ...t.dirs, '--buildinfo-file', V2, '--json'])

  // the walk: DNS (a resolver on loopback that does not answer, in a private mount namespace), TCP, proxy, TLS, /env,
  // banned, MQTT
  const resolv = join(t.d, 'resolv.conf')
  writeFileSync(resolv, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n')
  await expect('dns', ['link', '--emulator', '--url', 'https://cloud.nc-exit-test:443', '--json'], {
    wrap: ['unshare', '-m', 'sh', '-c', `mount --bind '${resolv}' /etc/resolv.conf && exec "$@"`, 'sh'],
  })
  await expect('tcp', ['link', '--emulator', '--url', 'https://127.0.0.1:9', '--json'])
  await expect('proxy', ['link', '--emulator', '--proxy', 'http://127.0.0.1:9', '--json'])
  await expect('tls', ['link', '--emulator', '--fault', 'self-signed', '--json'])
  await expect('cloudApi', ['link', '--emulator', '--fault', 'env-500', '--json'])
  await expect('auth', ['link', '--emulator', '--fault', 'connack-refused:138', '--json'])
  await expect('auth', ['link', '--emulator', '--fault', 'banned', '--json'])
  await expect('mqtt', ['link', '--emulator', '--fault', 'no-upgrade', '--json'])

  // the clock: the node's own settings to the emulator, under libfaketime 40 days ahead
  const node = mkdtempSync('/tmp/nc-exit-node.')
  const {claimId} = makeClaimedNode(node, emu)
  const api = await startAgentApi(claimId, () => false)
  servers.push(api)
  const nodeFlags = [
    '--netdata',
    join(node, 'netdata'),
    '--config-dir',
    join(node, 'etc'),
    '--lib-dir',
    join(node, 'lib'),
    '--ca',
    emu.caPath,
    '--agent-url',
    `http://127.0.0.1:${(api.address() as {port: number}).port}`,
  ]
  await expect('clock', ['link', ...nodeFlags, '--json'], {wrap: ['/usr/bin/faketime', '+40 days']})

  // writes: a read-only cloud.d (private tmpfs) names cloud.conf, not the lock's temp file (item 12); a held lock
  const ro = tree()
  const r = await expect('writeFailed', ['enable', ...ro.dirs, '--buildinfo-file', V1, '--json'], {
    wrap: ['unshare', '-m', 'sh', '-c', `mount -t tmpfs -o ro tmpfs '${join(ro.d, 'lib/cloud.d')}' && exec "$@"`, 'sh'],
  })
  assert.match(r.json.error.message, /cloud\.d\/cloud\.conf: read-only file system/)
  assert.doesNotMatch(r.json.error.message, /\.netdata-cloud\.lock/)
  const held = tree()
  const lock = acquireLock(join(held.d, 'lib/cloud.d'))
  try {
    await expect('locked', ['enable', ...held.dirs, '--buildinfo-file', V1, '--json'], {
      env: {NETDATA_CLOUD_LOCK_WAIT_MS: '0'},
    })
  } finally {
    lock.release()
  }

  await expect('restartFailed', ['disable', ...tree().dirs, '--buildinfo-file', V1, '--restart', '--json'])

  const missing = [...table.keys()].filter(c => !seen.has(c) && c !== 'bug')
  assert.deepEqual(missing, [], 'every code but bug was produced')
  assert.equal(table.size, Object.keys(EXIT).length)
})
