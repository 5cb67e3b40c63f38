// `report`: a canary secret planted in every source the archive draws on never appears in it. Sources: cloud.conf
// (a token line), cloud.d/token, the node's real private key, the proxy password (netdata.conf [cloud] proxy, used for
// real: the link walk goes through tinyproxy with that password to the emulator), the agent's log (a line carrying the
// token and the proxy URL), and the service environment of a running "netdata" process (NETDATA_CLAIM_TOKEN, an
// https_proxy with a password in /proc/PID/environ). The archive is read back with the system's tar; --anonymize
// removes the claim id and machine GUID; --print writes nothing; the manifest lists every part.
import assert from 'node:assert/strict'
import {execFileSync, spawn} from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {gunzipSync} from 'node:zlib'

import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {startTinyproxy, type Daemon} from '../cloud/http-daemons.js'
import {makeClaimedNode} from '../integration/linked-node.js'
import {ROOT, runCliAsync} from '../helpers/cli.js'

const TOKEN = 'CanaryToken-a1b2c3d4e5'
const TOKEN_FILE = 'CanaryTokenFile-f6g7h8'
const PROXY_PASS = 'CanaryProxyPass-i9j0'
const ENV_TOKEN = 'CanaryEnvToken-k1l2m3'
const ENV_PROXY_PASS = 'CanaryEnvProxy-n4o5'

function extract(archive: string): Record<string, string> {
  const dir = mkdtempSync('/tmp/nc-report-x.')
  try {
    execFileSync('tar', ['-xzf', archive, '-C', dir])
    const [top] = readdirSync(dir)
    return Object.fromEntries(readdirSync(join(dir, top)).map(n => [n, readFileSync(join(dir, top, n), 'utf8')]))
  } finally {
    rmSync(dir, {force: true, recursive: true})
  }
}

describe('report: secrets never reach the archive', () => {
  let emu: Emulator
  let proxy: Daemon
  let d: string
  let claimId: string
  let flags: string[]

  before(async () => {
    emu = await startEmulator()
    proxy = await startTinyproxy({pass: PROXY_PASS, user: 'alice'})
    d = mkdtempSync('/tmp/nc-report.')
    ;({claimId} = makeClaimedNode(d, emu))
    mkdirSync(join(d, 'log'))
    writeFileSync(join(d, 'lib/cloud.d/token'), TOKEN_FILE + '\n')
    writeFileSync(
      join(d, 'lib/cloud.d/cloud.conf'),
      `[global]\n    enabled = yes\n    cloud base url = ${emu.url}\n    token = ${TOKEN}\n`,
    )
    writeFileSync(join(d, 'lib/registry-guid'), '')
    writeFileSync(
      join(d, 'etc/netdata.conf'),
      `[cloud]\n    proxy = http://alice:${PROXY_PASS}@127.0.0.1:${proxy.port}\n[logs]\n    error = ${d}/log/error.log\n`,
    )
    writeFileSync(
      join(d, 'log/error.log'),
      [
        `2026-12-01 20:00:00: netdata INFO  : MAIN : CLAIM: claiming with token ${TOKEN} via http://alice:${PROXY_PASS}@127.0.0.1:${proxy.port}`,
        '2026-12-01 20:00:01: netdata ERROR : ACLK_Main : MQTT CONNACK returned error 135',
        '',
      ].join('\n'),
    )
    flags = [
      '--config-dir',
      join(d, 'etc'),
      '--lib-dir',
      join(d, 'lib'),
      '--agent-url',
      'http://127.0.0.1:9',
      '--ca',
      emu.caPath,
    ]
  })

  after(async () => {
    await proxy.stop()
    await emu.close()
    rmSync(d, {force: true, recursive: true})
  })

  test('the archive: every part, the link walk through the password proxy, no canary anywhere (files and raw bytes)', async () => {
    const out = join(d, 'r.tar.gz')
    const r = await runCliAsync(['report', '--output', out, '--json', '--timeout', '4000', ...flags])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(statSync(out).mode & 0o777, 0o600)
    const files = extract(out)
    for (const name of [
      'MANIFEST.json',
      'status.json',
      'buildinfo.json',
      'link.json',
      'endpoints.json',
      'aclk-log.json',
      'service-env.json',
      'cloud-d.json',
      'cloud.conf',
      'netdata.conf',
    ])
      assert.ok(name in files, `${name} in ${Object.keys(files).join(', ')}`)
    const {default: Ajv} = (await import('ajv')) as any
    const ajv = new Ajv({allErrors: true, strict: false})
    const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas/report.json'), 'utf8')))
    assert.ok(validate(r.json.result), ajv.errorsText(validate.errors))
    const manifest = JSON.parse(files['MANIFEST.json'])
    assert.ok(manifest.files.find((f: any) => f.name === 'link.json').state === 'ok', JSON.stringify(manifest.files))
    const link = JSON.parse(files['link.json'])
    assert.ok(
      link.steps.some((s: any) => s.id === 'proxy' && s.status === 'PASS'),
      'the walk used the proxy',
    )
    assert.ok(
      link.steps.some((s: any) => s.id === 'mqtt' && s.status === 'PASS'),
      'and reached MQTT (a password was issued)',
    )
    const key = readFileSync(join(d, 'lib/cloud.d/private.pem'), 'utf8').split('\n')[5]
    const raw = gunzipSync(readFileSync(out)).toString('latin1')
    for (const canary of [TOKEN, TOKEN_FILE, PROXY_PASS, key, 'PRIVATE KEY-----']) {
      assert.ok(!raw.includes(canary), `${canary.slice(0, 20)} in the archive`)
      assert.ok(!r.stdout.includes(canary) && !r.stderr.includes(canary))
    }

    assert.ok(files['cloud.conf'].includes('token = [redacted]'))
    assert.ok(files['netdata.conf'].includes(`http://alice:****@127.0.0.1:${proxy.port}`))
    assert.ok(files['aclk-log.json'].includes('connack-not-authorized'), 'the log lines are explained')
    assert.ok(JSON.parse(files['cloud-d.json']).entries.some((e: any) => e.name === 'private.pem' && e.mode === '0600'))
    assert.ok(raw.includes(claimId), 'without --anonymize the claim id stays (support needs it)')
    assert.ok(manifest.redactions['known secret'] > 0)
  })

  test('--anonymize removes the claim id; --print shows the same content and writes nothing', async () => {
    const out = join(d, 'anon.tar.gz')
    const r = await runCliAsync(['report', '--anonymize', '--no-link', '--output', out, ...flags])
    assert.equal(r.code, 0, r.stderr)
    const raw = gunzipSync(readFileSync(out)).toString('latin1')
    assert.ok(!raw.toLowerCase().includes(claimId.toLowerCase()), 'claim id removed')
    assert.ok(raw.includes('CLAIM-ID-REMOVED'))
    const before = readdirSync(d).sort()
    const p = await runCliAsync(['report', '--print', '--no-link', ...flags])
    assert.equal(p.code, 0)
    assert.deepEqual(readdirSync(d).sort(), before, '--print wrote nothing')
    assert.match(p.stdout, /==> MANIFEST\.json <==/)
    assert.match(p.stdout, /==> cloud\.conf <==\n\[global\]/)
    for (const canary of [TOKEN, TOKEN_FILE, PROXY_PASS]) assert.ok(!p.stdout.includes(canary))
  })

  test("the service environment: a running 'netdata' with a token and a proxy password in its environ", async () => {
    // a copy of bash named netdata: /proc/PID/comm is `netdata` and /proc/PID/exe is this file, as for the agent
    const bin = join(d, 'bin')
    mkdirSync(bin, {recursive: true})
    copyFileSync('/bin/bash', join(bin, 'netdata'))
    execFileSync('chmod', ['755', join(bin, 'netdata')])
    const child = spawn(join(bin, 'netdata'), ['-c', 'sleep 30; true'], {
      env: {
        NETDATA_CLAIM_TOKEN: ENV_TOKEN,
        PATH: '/usr/bin:/bin',
        https_proxy: `http://bob:${ENV_PROXY_PASS}@127.0.0.1:1`,
      },
      stdio: 'ignore',
    })
    try {
      await new Promise(r => setTimeout(r, 300))
      assert.ok(existsSync(`/proc/${child.pid}/environ`))
      const out = join(d, 'env.tar.gz')
      const r = await runCliAsync(['report', '--no-link', '--output', out, '--netdata', join(bin, 'netdata'), ...flags])
      assert.equal(r.code, 0, r.stderr)
      const files = extract(out)
      const env = JSON.parse(files['service-env.json'])
      assert.ok(
        env.some((v: any) => v.name === 'NETDATA_CLAIM_TOKEN' && v.source === `/proc/${child.pid}/environ`),
        files['service-env.json'],
      )
      const raw = gunzipSync(readFileSync(out)).toString('latin1')
      for (const canary of [ENV_TOKEN, ENV_PROXY_PASS]) assert.ok(!raw.includes(canary), canary)
    } finally {
      child.kill('SIGKILL')
    }
  })
})
