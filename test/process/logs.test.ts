// `logs` on real agents' logs: the v2.11.0 daemon.log (logfmt) captured against emulator faults, Debian 1.37.1's
// error.log format, found through netdata.conf [logs]; folding (count, first/last), --since, --follow on a growing
// file; --json against schemas/logs.json. The live run with the real Debian agent is in
// test/integration/logs-agent.test.ts.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, test} from 'node:test'

import {ROOT, runCli} from '../helpers/cli.js'

const LOGS = join(ROOT, 'test/fixtures/agent-logs')
const {default: Ajv} = (await import('ajv')) as any
const ajv = new Ajv({allErrors: true, strict: false})
ajv.addSchema(JSON.parse(readFileSync(join(ROOT, 'schemas/explain.json'), 'utf8')), 'explain.json')
const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas/logs.json'), 'utf8')))
const base = mkdtempSync('/tmp/nc-logs.')
after(() => rmSync(base, {force: true, recursive: true}))

test('v2.11.0 daemon.log named by netdata.conf [logs] daemon: folded, counted, explained; debug lines left out', () => {
  mkdirSync(join(base, 'etc'))
  mkdirSync(join(base, 'log'))
  copyFileSync(join(LOGS, 'v2.11.0-env-500.log'), join(base, 'log/daemon.log'))
  writeFileSync(join(base, 'etc/netdata.conf'), `[logs]\n\tdaemon = ${base}/log/daemon.log\n`)
  const r = runCli(['logs', '--json', '--config-dir', join(base, 'etc'), '--lib-dir', base])
  assert.equal(r.code, 0, r.stderr)
  assert.ok(validate(r.json.result), ajv.errorsText(validate.errors))
  const res = r.json.result
  assert.equal(res.source.why, 'netdata.conf:2 [logs] daemon')
  const env = res.groups.find((g: any) => g.message.startsWith('ACLK: failed to get ACLK environment'))
  assert.deepEqual([env.count, env.first, env.last], [4, '2026-12-01T20:56:49.481Z', '2026-12-01T20:56:58.614Z'])
  assert.equal(env.causes[0].id, 'env-failed')
  assert.ok(res.groups.every((g: any) => g.level !== 'debug'))
  assert.ok(res.problems >= 2)
  const text = runCli(['logs', '--config-dir', join(base, 'etc'), '--lib-dir', base]).stdout
  assert.match(text, /^ {3}4× error ACLK: failed to get ACLK environment/m)
  assert.match(text, /Fix: look at the line before it/)
})

test("Debian 1.37.1's error.log format and every v2.11.0 fault log: each fault's key line is explained", () => {
  const deb = runCli(['logs', '--json', '--file', join(LOGS, 'debian-1.37.1-agent-log-excerpts.txt')]).json.result
  const noAclk = deb.groups.find((g: any) => g.message === "This agent doesn't have ACLK.")
  assert.deepEqual([noAclk.level, noAclk.first, noAclk.causes[0].id], ['ERROR', '2026-11-24T05:04:31', 'no-aclk'])
  for (const [fault, id] of [
    ['connack-refused-135', 'connack-not-authorized'],
    ['banned', 'banned'],
    ['token-rejected', 'claim-forbidden'],
    ['unknown-ca', 'tls-unknown-issuer'],
  ]) {
    const r = runCli(['logs', '--json', '--file', join(LOGS, `v2.11.0-${fault}.log`)]).json.result
    assert.ok(
      r.groups.some((g: any) => g.causes.some((c: any) => c.id === id)),
      `${fault}: ${id}`,
    )
  }
})

test('--since keeps only later lines; a bad --since exits 18', () => {
  const f = join(LOGS, 'v2.11.0-env-500.log')
  const all = runCli(['logs', '--json', '--file', f]).json.result.matched
  const later = runCli(['logs', '--json', '--file', f, '--since', '2026-12-01T20:56:55Z']).json.result
  assert.ok(later.matched > 0 && later.matched < all, `${later.matched} of ${all}`)
  assert.ok(later.groups.every((g: any) => g.first >= '2026-12-01T20:56:55'))
  assert.equal(runCli(['logs', '--file', f, '--since', 'yesterday-ish']).code, 18)
})

test('--follow prints each new ACLK line as the agent appends it, explained', async () => {
  const f = join(base, 'follow.log')
  writeFileSync(f, 'time=2026-12-01T20:00:00Z level=info msg="old line, ACLK: not shown"\n')
  const child = spawn(process.execPath, [join(ROOT, 'bin/run.js'), 'logs', '--follow', '--file', f], {
    env: {...process.env, NO_COLOR: '1'},
  })
  let out = ''
  child.stdout.on('data', d => {
    out += d
  })
  try {
    await new Promise(r => setTimeout(r, 1500))
    const line = readFileSync(join(LOGS, 'v2.11.0-connack-refused-135.log'), 'utf8')
      .split('\n')
      .find(l => l.includes('MQTT CONNACK returned error 135'))!
    appendFileSync(f, `time=2026-12-01T21:00:00Z level=debug msg="ACLK: a debug line"\n${line}\n`)
    for (let i = 0; i < 40 && !out.includes('not authorized'); i++) await new Promise(r => setTimeout(r, 100))
    assert.match(out, /MQTT CONNACK returned error 135\n {2}→ MQTT CONNACK: not authorized/)
    assert.doesNotMatch(out, /old line|debug line/)
  } finally {
    child.kill('SIGTERM')
  }

  const code = await new Promise(r => child.once('exit', r))
  assert.equal(code, 0, 'SIGTERM ends --follow cleanly')
})
