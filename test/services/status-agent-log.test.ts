// Issue 17, "still differing": CONNACK 135 (v2.11 "offline", v1.44 "none"), v2.11 wrong-host ("offline"), v1.44 bad
// certificate (env_endpoint_unreachable) — the agents' APIs give no cause, their logs do. status reads the end of the
// install's log (its latest explained line since the agent started) when nothing else names why. Real log lines
// (test/fixtures/agent-logs, captured from v2.11.0 and v1.44.3 against the emulator's faults).
import assert from 'node:assert/strict'
import {appendFileSync, chmodSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {join} from 'node:path'
import {after, test} from 'node:test'

import {processStartedAt} from '../../src/agent/agent-process.js'
import {discoverInstall} from '../../src/agent/install.js'
import {EXIT} from '../../src/base/errors.js'
import {readTextTail} from '../../src/config/read.js'
import {LOG_TAIL_BYTES, latestCloudProblem} from '../../src/services/agent-logs.js'
import {getStatus, statusExitCode} from '../../src/services/status.js'
import {NETDATA_IS_ME, useAccounts} from '../helpers/accounts.js'
import {claimNode, fakeNode} from '../helpers/fake-node.js'

useAccounts(NETDATA_IS_ME)

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/agent-logs/${name}`, import.meta.url), 'utf8').replaceAll('DIR/', '/tmp/x/')

const servers: Server[] = []
after(() => {
  for (const s of servers) s.close()
})

function nodeWithLog(log: string, version = 'v2.11.0') {
  const node = fakeNode(version.startsWith('v2') ? 'v2-v2.11.0.txt' : 'D-v1.40.0.txt', version)
  const logDir = mkdtempSync('/tmp/nc-agent-log.')
  const logFile = join(logDir, 'daemon.log')
  writeFileSync(logFile, log)
  writeFileSync(join(node.configDir, 'netdata.conf'), `[logs]\n    daemon = ${logFile}\n`)
  const install = discoverInstall({configDir: node.configDir, env: {}, libDir: node.libDir, netdata: node.netdata})
  return {install, logFile, node}
}

test('CONNACK 135 (v2.11.0 log): the latest problem, counted, with its cause; secrets masked', async () => {
  const {install, logFile} = nodeWithLog(fixture('v2.11.0-connack-refused-135.log'))
  const p = await latestCloudProblem(install, {timeoutMs: 2000})
  assert.ok(p, 'a problem')
  assert.match(p.line, /MQTT CONNACK returned error 135/)
  assert.equal(p.cause.code, 'mqtt')
  assert.equal(p.cause.id, 'connack-not-authorized')
  assert.ok(p.count >= 2, `count ${p.count}`)
  assert.equal(p.source.path, logFile)
  // a later line that says the link works clears it
  appendFileSync(
    logFile,
    'time=2099-01-01T00:00:00.000Z comm=netdata source=daemon level=info thread=ACLK_MAIN msg="ACLK connection successfully established"\n',
  )
  assert.equal(await latestCloudProblem(install, {timeoutMs: 2000}), null)
})

test('only lines since the agent started count (since = its start time)', async () => {
  const {install} = nodeWithLog(fixture('v1.44.3-connack-refused-135.log'), 'v1.44.3')
  assert.ok(await latestCloudProblem(install, {timeoutMs: 2000}))
  assert.equal(await latestCloudProblem(install, {since: new Date('2099-01-01'), timeoutMs: 2000}), null)
})

test('a huge log: only its end is read (bounded), the last line still found; a planted symlink log is refused', async () => {
  const line =
    'time=2026-12-01T21:44:52.060+00:00 comm=netdata source=daemon level=error thread=ACLK_MAIN msg="[mqtt_wss] E: MQTT CONNACK returned error 135"\n'
  const filler = 'time=2026-12-01T21:00:00.000+00:00 comm=netdata source=daemon level=info msg="unrelated"\n'
  const {install, logFile, node} = nodeWithLog(filler.repeat(200_000) + line)
  const tail = readTextTail(logFile, 'agent log', LOG_TAIL_BYTES)
  assert.ok(tail && tail.cut && tail.text.length <= LOG_TAIL_BYTES && tail.size > 10 * LOG_TAIL_BYTES)
  assert.ok(tail.text.startsWith('time='), 'the partial first line is dropped')
  const p = await latestCloudProblem(install, {timeoutMs: 2000})
  assert.match(p?.line ?? '', /CONNACK returned error 135/)
  // a log path that is a symlink in a directory others can write is not followed
  const planted = join(node.root, 'planted.log')
  writeFileSync(planted, line)
  const dir = mkdtempSync('/tmp/nc-agent-log.')
  chmodSync(dir, 0o777)
  symlinkSync(planted, join(dir, 'daemon.log'))
  writeFileSync(join(node.configDir, 'netdata.conf'), `[logs]\n    daemon = ${join(dir, 'daemon.log')}\n`)
  const again = discoverInstall({configDir: node.configDir, env: {}, libDir: node.libDir, netdata: node.netdata})
  assert.equal(await latestCloudProblem(again, {timeoutMs: 2000}), null)
})

test("status: claimed, the agent's API says only offline, its log says CONNACK 135 → exit mqtt, the line and the file named", async () => {
  const {install, logFile, node} = nodeWithLog(fixture('v2.11.0-connack-refused-135.log'))
  claimNode(node.root)
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    if (req.url === '/api/v1/info')
      res.end(
        JSON.stringify({'agent-claimed': true, 'cloud-available': true, 'cloud-enabled': true, version: 'v2.11.0'}),
      )
    else if (req.url === '/api/v3/info') res.end(JSON.stringify({cloud: {reason: '', status: 'offline'}}))
    else res.end('{}')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  const url = `http://127.0.0.1:${(server.address() as {port: number}).port}`
  const s = await getStatus({...install, agentUrl: url})
  assert.equal(s.verdict.code, 'mqtt', JSON.stringify(s.verdict))
  assert.equal(statusExitCode(s), EXIT.mqtt)
  assert.match(
    s.verdict.message,
    /the agent's log says "MQTT CONNACK returned error 135" \(\d+ times in the log's last lines\)/,
  )
  assert.ok(s.verdict.message.includes(logFile))
  assert.equal(s.agentLog?.cause.id, 'connack-not-authorized')
})

test('processStartedAt: this process started before now and after boot', () => {
  const t = processStartedAt(process.pid)
  assert.ok(t, 'read from /proc')
  const ageMs = Date.now() - t.getTime()
  assert.ok(ageMs >= -1000 && ageMs < process.uptime() * 1000 + 2000, `age ${ageMs} ms, uptime ${process.uptime()} s`)
  assert.equal(processStartedAt(2 ** 30), null)
})
