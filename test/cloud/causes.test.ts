// The one table of causes: real agent log lines (v2.11.0 and v1.44.3 captured against the emulator's faults, Debian's
// 1.37.1 excerpts) are explained as the fault that caused them; unknown input is never guessed; matching is linear;
// the README's troubleshooting section is the table. Fixtures: test/fixtures/agent-logs/README.md.
import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {EXIT} from '../../src/base/errors.js'
import {BY_KEY, CLAIM_SCRIPT_EXIT} from '../../src/cloud/errors.js'
import {
  CAUSES,
  errorKeysIn,
  explainLine,
  fixForConnack,
  fixForTlsCode,
  numberAfter,
  troubleshootingMarkdown,
} from '../../src/cloud/causes.js'
import {STEP_IDS} from '../../src/cloud/link-types.js'
import {ROOT} from '../helpers/cli.js'

const LOGS = join(ROOT, 'test/fixtures/agent-logs')
const lines = (name: string) =>
  readFileSync(join(LOGS, name), 'utf8')
    .split('\n')
    .filter(l => l.trim() !== '' && !l.startsWith('#'))
const idsOf = (name: string) => new Set(lines(name).flatMap(l => explainLine(l).map(e => e.cause.id)))

test('every cause is complete: unique id, a step of the link walk (or claim), a known class, eras, a fix', () => {
  const ids = new Set<string>()
  for (const c of CAUSES) {
    assert.ok(!ids.has(c.id), `duplicate id ${c.id}`)
    ids.add(c.id)
    assert.ok(['claim', ...STEP_IDS].includes(c.step), `${c.id}: step ${c.step}`)
    assert.ok(c.code in EXIT, `${c.id}: code ${c.code}`)
    assert.ok(c.cause && c.fix && c.eras && c.match.length > 0, c.id)
  }
})

test('claim causes are built on cloud/errors.ts (BY_KEY, CLAIM_SCRIPT_EXIT), not copies of it', () => {
  for (const [key, known] of Object.entries(BY_KEY)) {
    const [e] = explainLine(key)
    assert.equal(e.cause.fix, known.fix, key)
    assert.equal(e.cause.cause, known.message, key)
    const [byExit] = explainLine(`netdata-claim.sh exit ${known.scriptExit}`)
    assert.equal(byExit.cause.id, e.cause.id, `exit ${known.scriptExit} and ${key} are the same cause`)
  }

  for (const code of Object.keys(CLAIM_SCRIPT_EXIT)
    .map(Number)
    .filter(n => n > 0))
    assert.ok(explainLine(`exit ${code}`).length > 0, `exit ${code} is explained`)
})

// fault → the causes the real v2.11.0 agent's lines must be explained as (captured by capture-v2.sh)
const V2: Record<string, string[]> = {
  none: ['claimed', 'connected'],
  'token-rejected': ['claim-forbidden', 'not-claimed'],
  'room-invalid': ['claim-invalid-room-id'],
  'env-500': ['env-failed', 'claim-internal-server-error', 'cloud-error'],
  'env-no-mqttv5': ['env-no-transport'],
  banned: ['banned', 'env-failed'],
  'challenge-wrong-key': ['challenge-key', 'otp-failed'],
  'password-rejected': ['challenge-rejected', 'otp-failed'],
  'connack-refused-135': ['connack-not-authorized', 'connack-error'],
  'no-upgrade': ['ws-upgrade', 'mqtt-connect-failed'],
  'unknown-ca': ['tls-unknown-issuer', 'tls-handshake', 'env-failed'],
  'self-signed': ['claim-tls'],
  'expired-cert': ['claim-tls'],
  'wrong-host-cert': ['claim-tls'],
}

test('the real v2.11.0 agent, driven into each emulator fault: its log lines are explained as that fault', () => {
  for (const [fault, want] of Object.entries(V2)) {
    const got = idsOf(`v2.11.0-${fault}.log`)
    for (const id of want) assert.ok(got.has(id), `${fault}: ${id} not among ${[...got].join(', ')}`)
    if (fault !== 'none') assert.ok(!got.has('connected'), `${fault}: never 'connected'`)
  }
})

test('the real v1.44.3 agent: SOCKS5 refused, unclaimed; claimed with no reachable Cloud (name does not resolve)', () => {
  const socks = idsOf('v1.44.3-socks-unclaimed.log')
  for (const id of ['socks-unsupported', 'not-claimed']) assert.ok(socks.has(id), `${id} in ${[...socks].join(', ')}`)
  const dns = idsOf('v1.44.3-dns.log')
  for (const id of ['claimed', 'dns', 'tcp', 'env-failed']) assert.ok(dns.has(id), `${id} in ${[...dns].join(', ')}`)
  const resolve = lines('v1.44.3-dns.log').find(l => l.includes('Cannot resolve host'))!
  assert.equal(explainLine(resolve)[0].cause.id, 'dns')
})

// fault → the causes the real v1.44.3 agent's lines must be explained as (captured by capture-v1.sh)
const V1: Record<string, string[]> = {
  none: ['claimed', 'connected'],
  'connack-refused-135': ['connack-not-authorized', 'mqtt-connect-failed'],
  banned: ['banned', 'env-failed'],
  'env-500': ['env-failed', 'claim-internal-server-error'],
  'env-no-mqttv5': ['env-no-transport'],
  'challenge-wrong-key': ['challenge-key', 'otp-failed'],
  'password-rejected': ['challenge-rejected', 'otp-failed'],
  'no-upgrade': ['ws-upgrade', 'mqtt-connect-failed'],
  'unknown-ca': ['tls-unknown-issuer', 'tls-handshake', 'env-failed'],
}

test('the real v1.44.3 agent, driven into each emulator fault: its log lines are explained as that fault', () => {
  for (const [fault, want] of Object.entries(V1)) {
    const got = idsOf(`v1.44.3-${fault}.log`)
    for (const id of want) assert.ok(got.has(id), `v1 ${fault}: ${id} not among ${[...got].join(', ')}`)
    if (fault !== 'none') assert.ok(!got.has('connected'), `${fault}: never 'connected'`)
  }
})

test("Debian's 1.37.1 agent (--disable-cloud): no ACLK, claiming refused, no cloud.conf", () => {
  const text = lines('debian-1.37.1-agent-log-excerpts.txt')
  const one = (needle: string) => explainLine(text.find(l => l.includes(needle))!)[0]?.cause.id
  assert.equal(one("This agent doesn't have ACLK"), 'no-aclk')
  assert.equal(one('Refusing to claim agent'), 'cloud-disabled')
  assert.equal(one('The claiming feature has been explicitly disabled'), 'cloud-disabled')
  assert.equal(one('cannot load cloud config'), 'no-cloud-conf')
  // lines that are about something else are not explained (never a guess)
  assert.deepEqual(explainLine(text.find(l => l.includes('Reopening aclk/cloud state'))!), [])
})

test('the other input forms: errorMsgKey, claim/kickstart exit, CONNACK (5 and 3.1.1, hex), verify errors', () => {
  const first = (s: string) => explainLine(s)[0]?.cause.id
  assert.equal(first('{"errorCode":"x","errorMsgKey":"ErrInvalidRoomID"}'), 'claim-invalid-room-id')
  assert.equal(first('kickstart exit 13'), 'claim-already-claimed')
  assert.equal(first('exit 18'), 'claim-script-unique-id')
  assert.equal(first('connack 134'), 'connack-bad-password')
  assert.equal(first('CONNACK 0x87'), 'connack-not-authorized')
  assert.equal(first('MQTT 3.1.1 connack 5'), 'connack-not-authorized')
  assert.equal(first('verify error 9'), 'tls-not-yet-valid')
  assert.equal(
    first('Cert Chain verify error:num=20:unable to get local issuer certificate:depth=0:CN=x'),
    'tls-unknown-issuer',
  )
  assert.equal(first('SSL: certificate verify error 62:hostname mismatch at depth 0'), 'tls-host-mismatch')
})

test('unknown input gives nothing, not a guess', () => {
  for (const s of ['hello world', 'exit 99', 'connack 77', 'verify error 999', 'ErrSomethingNew', 'ACLK: all good', ''])
    assert.deepEqual(explainLine(s), [], s)
})

test('link and claim take their fix lines from the table', () => {
  assert.equal(fixForTlsCode('UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), explainLine('verify error 20')[0].cause.fix)
  assert.equal(fixForConnack(135, '5'), explainLine('connack 135')[0].cause.fix)
  assert.equal(fixForConnack(5, '3.1.1'), fixForConnack(135, '5'))
})

test('matching is linear: the scanners on 1 MB hostile text take milliseconds; explainLine reads 4096 characters', () => {
  for (const unit of [
    'Err',
    'verify error ',
    'CONNACK ',
    'ACLK: ',
    'a'.repeat(7) + '=',
    'exit ',
    'Err' + 'x'.repeat(70),
  ]) {
    const line = unit.repeat(Math.ceil(1_000_000 / unit.length))
    const t0 = performance.now()
    errorKeysIn(line)
    numberAfter(line, 'verify error')
    numberAfter(line, 'nowhere in it')
    explainLine(line)
    const ms = performance.now() - t0
    assert.ok(ms < 500, `${JSON.stringify(unit.slice(0, 12))}×: ${ms.toFixed(0)} ms`)
  }

  // a cause past the 4096th character is not read (a pasted line is a line, not a file)
  assert.deepEqual(explainLine('x'.repeat(5000) + 'MQTT CONNACK returned error 135'), [])
})

test("the README's troubleshooting section is the table (regenerate: UPDATE_README=1 node test/run.mjs test/cloud/causes.test.ts)", () => {
  const file = join(ROOT, 'README.md')
  const readme = readFileSync(file, 'utf8')
  const [open, close] = ['<!-- causes -->\n', '<!-- causesstop -->']
  const start = readme.indexOf(open)
  const end = readme.indexOf(close)
  assert.ok(start > 0 && end > start, 'README has the causes markers')
  const generated = troubleshootingMarkdown()
  if (process.env.UPDATE_README) {
    writeFileSync(file, readme.slice(0, start + open.length) + generated + readme.slice(end))
    return
  }

  assert.equal(readme.slice(start + open.length, end), generated)
})
