// The link walk against the in-process emulator: a full PASS run, and every emulator fault pinned to the step
// that must FAIL and the exit status of its class (one table).
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {startEmulator} from '../../src/emulator/index.js'
import {EXIT, type ErrorCode} from '../../src/base/errors.js'
import {linkEmulator, type LinkReport} from '../../src/services/link.js'

const walk = (faults: string[], extra: {asVersion?: string; timeoutMs?: number} = {}): Promise<LinkReport> =>
  linkEmulator(startEmulator, {
    deadlineMs: 20_000,
    faults,
    timeoutMs: extra.timeoutMs ?? 1500,
    ...extra,
  })

const statuses = (r: LinkReport) => Object.fromEntries(r.steps.map(s => [s.id, s.status]))

describe('link --emulator', () => {
  test('full PASS on one TLS connection, MQTT 5, nothing secret in the report', async () => {
    const r = await walk([])
    assert.deepEqual(statuses(r), {
      challenge: 'PASS',
      dns: 'PASS',
      env: 'PASS',
      mqtt: 'PASS',
      proxy: 'PASS',
      settings: 'PASS',
      tcp: 'PASS',
      tls: 'PASS',
    })
    assert.equal(r.exitCode, 0)
    assert.equal(r.tlsConnections, 1)
    assert.equal(r.roundTrips, 9)
    assert.match(r.summary, /^PASS: the link to https:\/\/localhost:\d+ works/)
    assert.match(r.steps.find(s => s.id === 'mqtt')!.detail, /CONNECT MQTT 5 → CONNACK 0.*SUBACK qos 1; PINGRESP/)
    const text = JSON.stringify(r)
    assert.doesNotMatch(text, /PRIVATE KEY|"password":/)
  })

  test('as a v1.35 agent: MQTT 3.1.1 and the v1.32–v1.35 topics', async () => {
    const r = await walk([], {asVersion: '1.35.1'})
    assert.equal(r.exitCode, 0, JSON.stringify(r.steps.filter(s => s.status !== 'PASS')))
    assert.match(r.steps.find(s => s.id === 'mqtt')!.detail, /CONNECT MQTT 3\.1\.1 → CONNACK 0/)
  })

  test('a step timeout is a FAIL of that step within its limit, and later steps are SKIP', async () => {
    const started = Date.now()
    const r = await walk(['stall@env'], {timeoutMs: 400})
    assert.ok(Date.now() - started < 3000)
    const env = r.steps.find(s => s.id === 'env')!
    assert.equal(env.status, 'FAIL')
    assert.ok(env.ms >= 390 && env.ms < 1500, `env took ${env.ms} ms`)
    assert.match(env.detail, /no answer in 400 ms \(waiting for the answer to GET \/api\/v1\/env/)
    assert.equal(statuses(r).challenge, 'SKIP')
    assert.equal(statuses(r).mqtt, 'SKIP')
  })

  const table: Array<
    [fault: string, step: string, code: ErrorCode, detail: RegExp, opts?: {asVersion?: string; timeoutMs?: number}]
  > = [
    ['expired-cert', 'tls', 'tls', /CERT_HAS_EXPIRED: the certificate has expired.*server Date .* agrees/],
    ['not-yet-valid-cert', 'tls', 'tls', /CERT_NOT_YET_VALID: the certificate is not valid yet/],
    ['self-signed', 'tls', 'tls', /SELF_SIGNED|self-signed/],
    ['wrong-host-cert', 'tls', 'tls', /ERR_TLS_CERT_ALTNAME_INVALID: the certificate is for another host name/],
    ['env-500', 'env', 'cloudApi', /HTTP\/1\.1 500/],
    ['env-bad-json', 'env', 'cloudApi', /not a JSON object/],
    ['env-no-mqttv5', 'env', 'cloudApi', /no MQTTv5 transport/],
    ['challenge-wrong-key', 'challenge', 'auth', /does not decrypt with this node's private key/],
    [
      'password-rejected',
      'challenge',
      'auth',
      /POST password \(expected 201\): HTTP\/1\.1 401.*ErrInvalidChallengeResponse/,
    ],
    ['banned', 'env', 'auth', /403.*non-retryable/],
    ['banned@challenge', 'challenge', 'auth', /403.*non-retryable/],
    ['retry-after:42', 'env', 'cloudApi', /503.*retry after 42 s/],
    ['no-upgrade', 'mqtt', 'mqtt', /WebSocket upgrade of \/mqtt refused: HTTP 400/],
    ['connack-refused', 'mqtt', 'mqtt', /CONNACK 0x87 Not authorized: the broker rejected the credentials/],
    ['connack-refused:134', 'mqtt', 'mqtt', /CONNACK 0x86 Bad User Name or Password/],
    ['connack-refused:135', 'mqtt', 'mqtt', /CONNACK 5 not authorized/, {asVersion: '1.35.1'}],
    ['connack-refused:138', 'mqtt', 'auth', /CONNACK 0x8a Banned/], // banned is an auth verdict (README: 26)
    ['drop-after-connect', 'mqtt', 'mqtt', /closed|MQTT session failed/],
    ['slow:1200', 'env', 'cloudApi', /no answer in 500 ms/, {timeoutMs: 500}],
    ['stall', 'env', 'cloudApi', /no answer in 500 ms/, {timeoutMs: 500}],
    [
      'stall@challenge',
      'challenge',
      'cloudApi',
      /no answer in 500 ms \(waiting for the answer to GET/,
      {timeoutMs: 500},
    ],
    ['stall@mqtt', 'mqtt', 'mqtt', /no answer in 500 ms \(waiting for CONNACK\)/, {timeoutMs: 500}],
    ['flood', 'env', 'cloudApi', /cap/],
    ['flood@password', 'challenge', 'cloudApi', /cap/],
  ]
  for (const [fault, step, code, detail, opts] of table) {
    test(`fault ${fault} → ${step} FAIL, exit ${EXIT[code]} (${code})`, async () => {
      const r = await walk([fault], opts)
      const failed = r.steps.filter(s => s.status === 'FAIL')
      assert.equal(failed[0]?.id, step, JSON.stringify(r.steps.map(s => [s.id, s.status, s.detail])))
      assert.equal(failed.length, 1)
      assert.equal(failed[0].code, code)
      assert.match(failed[0].detail, detail)
      assert.ok(failed[0].fix, 'a FAIL has a fix line')
      assert.equal(r.exitCode, EXIT[code])
      const after = r.steps.slice(r.steps.findIndex(s => s.id === step) + 1)
      assert.ok(after.every(s => s.status === 'SKIP'))
      assert.match(r.summary, new RegExp(`^FAIL at ${step}: `))
    })
  }
})
