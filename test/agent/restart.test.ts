// Issue 14 item 5: --restart restarts only the install the host's service runs, a failed restart is not ok, and a
// restart counts only when the agent's API answers again with the new value. The host here is built in a temp tree
// (etc/init.d/netdata and a `service` on PATH that exits as told); the agent API is a stand-in on loopback.
import assert from 'node:assert/strict'
import {chmodSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:http'
import {join} from 'node:path'
import {after, test} from 'node:test'

import {discoverInstall} from '../../src/agent/install.js'
import {restartInstallAgent} from '../../src/agent/restart.js'

let cloudEnabled = false
const api = createServer((req, res) => {
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({'cloud-enabled': cloudEnabled, version: 'v1.30.0'}))
})
await new Promise<void>(resolve => api.listen(0, '127.0.0.1', resolve))
after(() => api.close())
const agentUrl = `http://127.0.0.1:${(api.address() as {port: number}).port}`

function host(exit: number) {
  const root = mkdtempSync('/tmp/nc-host.')
  mkdirSync(join(root, 'etc/init.d'), {recursive: true})
  writeFileSync(join(root, 'etc/init.d/netdata'), '#!/bin/sh\n')
  mkdirSync(join(root, 'bin'))
  writeFileSync(join(root, 'bin/service'), `#!/bin/sh\necho "service: $*" >&2\nexit ${exit}\n`)
  chmodSync(join(root, 'bin/service'), 0o755)
  return {env: {PATH: join(root, 'bin')}, root}
}

const check = (view: {info?: {cloudEnabled?: boolean}}) =>
  view.info?.cloudEnabled === true ? null : `cloud-enabled ${view.info?.cloudEnabled}`

test('the system install, service exits 1 → not ok, the command and its error named', async () => {
  const r = await restartInstallAgent(discoverInstall({agentUrl, env: {}}), check, {host: host(1), waitMs: 1000})
  assert.equal(r.ok, false)
  assert.match(r.message, /service netdata restart failed \(exit 1: service: netdata restart\)/)
})

test('service exits 0 but the agent answers with the old value → not ok: it did not come back with the change', async () => {
  cloudEnabled = false
  const r = await restartInstallAgent(discoverInstall({agentUrl, env: {}}), check, {host: host(0), waitMs: 1200})
  assert.equal(r.ok, false)
  assert.match(r.message, /did not come back with the change within 1\.2 s \(cloud-enabled false\)/)
})

test('service exits 0 and the agent answers with the new value → ok', async () => {
  cloudEnabled = true
  const r = await restartInstallAgent(discoverInstall({agentUrl, env: {}}), check, {host: host(0), waitMs: 3000})
  assert.equal(r.ok, true, r.message)
  assert.match(r.message, /the agent answers at http:\/\/127\.0\.0\.1:\d+ after \d+ ms/)
})

test('--config-dir naming another tree → not restarted at all (the service runs the system install)', async () => {
  const d = mkdtempSync('/tmp/nc-other.')
  const h = host(0)
  const r = await restartInstallAgent(
    discoverInstall({agentUrl, configDir: join(d, 'etc'), env: {}, libDir: join(d, 'lib')}),
    check,
    {host: h},
  )
  assert.equal(r.ok, false)
  assert.equal(r.command, undefined, 'nothing was run')
  assert.match(r.message, /not restarted: the host's netdata service runs the system install, not this one/)
})
