// Issue 14 items 3 and 11: NETDATA_DISABLE_CLOUD and builds without ACLK decide the effective state, whatever
// cloud.conf says. `enable` with the variable set must not claim "on" (exit 12 through the CLI, the source and the fix
// named); the status verdict names where the variable comes from and how to remove it there; the NETDATA_CLAIM_TOKEN
// warning is era-aware. `disable` on Debian's build (no ACLK) does not print "on → off".
import assert from 'node:assert/strict'
import {chownSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {lookupUser} from '../../src/agent/accounts.js'
import {discoverInstall} from '../../src/agent/install.js'
import {getStatus} from '../../src/services/status.js'
import {toggleCloud} from '../../src/services/toggle-cloud.js'
import {renderToggle} from '../../src/ui/config-change.js'
import {ROOT, runCli} from '../helpers/cli.js'
import {claimNode, fakeNode} from '../helpers/fake-node.js'

const V144 = join(ROOT, 'test/fixtures/claim/E-v1.47.0-cloud.txt')

/** a system root with the variable in a systemd drop-in, and an empty /proc (no running agent) */
function systemRoot(dropin: string, defaults?: string): string {
  const root = mkdtempSync('/tmp/nc-sysroot.')
  mkdirSync(join(root, 'etc/systemd/system/netdata.service.d'), {recursive: true})
  mkdirSync(join(root, 'proc'))
  writeFileSync(join(root, 'etc/systemd/system/netdata.service.d/override.conf'), dropin)
  if (defaults !== undefined) {
    mkdirSync(join(root, 'etc/default'))
    writeFileSync(join(root, 'etc/default/netdata'), defaults)
  }

  return root
}

function nodeDirs() {
  const node = fakeNode('E-v1.42.0.txt', 'v1.47.0')
  writeFileSync(join(node.root, 'buildinfo.txt'), readFileSync(V144, 'utf8'))
  const user = lookupUser('netdata')!
  chownSync(node.libDir, user.uid, user.gid)
  return node
}

test('enable on v1.47 with NETDATA_DISABLE_CLOUD in a drop-in: effectiveAfter off, the drop-in line and its removal named', async () => {
  const node = nodeDirs()
  const sys = systemRoot('[Service]\nEnvironment=NETDATA_DISABLE_CLOUD=1\n')
  const install = discoverInstall({configDir: node.configDir, env: {}, libDir: node.libDir, netdata: node.netdata})
  const r = await toggleCloud(install, {action: 'enable', systemRoot: sys})
  assert.equal(r.after, 'yes')
  assert.equal(r.effectiveAfter, 'off', 'the variable keeps the link off')
  assert.equal(r.overriddenBy?.what, 'NETDATA_DISABLE_CLOUD')
  assert.match(r.overriddenBy?.where ?? '', /netdata\.service\.d\/override\.conf:2$/)
  assert.match(
    r.overriddenBy?.fix ?? '',
    /delete NETDATA_DISABLE_CLOUD=… from the Environment= line 2 of .*override\.conf.*daemon-reload/,
  )
  const text = renderToggle(r)
  assert.doesNotMatch(text, /→ on/)
  assert.match(text, /stays off — NETDATA_DISABLE_CLOUD/)
})

test('status with NETDATA_DISABLE_CLOUD in /etc/default/netdata: the verdict names the file:line and the fix removes it there', async () => {
  const node = nodeDirs()
  claimNode(node.root)
  const sys = systemRoot(
    '[Service]\n',
    '# set by hand\nNETDATA_DISABLE_CLOUD=1\nNETDATA_CLAIM_TOKEN=abcdefghijklmnop\n',
  )
  const install = discoverInstall({
    agentUrl: 'http://127.0.0.1:9',
    configDir: node.configDir,
    env: {},
    libDir: node.libDir,
    netdata: node.netdata,
  })
  const s = await getStatus(install, {offline: true, systemRoot: sys})
  assert.equal(s.verdict.code, 'cloudDisabled')
  assert.doesNotMatch(s.verdict.message, /enabled = \)/)
  assert.match(s.verdict.message, /NETDATA_DISABLE_CLOUD=1 is set for the agent \(.*\/etc\/default\/netdata:2\)/)
  assert.match(
    s.verdict.fix ?? '',
    /delete line 2 \(NETDATA_DISABLE_CLOUD=…\) of .*etc\/default\/netdata; then systemctl restart netdata/,
  )
  assert.notEqual(s.verdict.fix, 'netdata-cloud enable')
  const token = s.findings.find(f => f.message.startsWith('NETDATA_CLAIM_TOKEN'))!
  assert.match(token.message, /v1\.41–v1\.47 agents do not read it/)
  assert.doesNotMatch(token.message, /v2 agents claim from it/)
  assert.doesNotMatch(JSON.stringify(s), /abcdefghijklmnop/)
})

test('a variable only in /proc/PID/environ: the fix says it came from whoever started the agent, not "remove it from /proc"', async () => {
  const {whereSet} = await import('../../src/agent/service-env.js')
  const w = whereSet([{name: 'NETDATA_CLAIM_TOKEN', source: '/proc/4242/environ', value: '****'}])
  assert.match(w.where, /only the running agent's environment \(\/proc\/4242\/environ\)/)
  assert.match(w.fix, /whoever started the agent/)
  assert.doesNotMatch(w.fix, /remove it from \/proc/)
})

test("disable on Debian's build (no ACLK): the link was off already, and the text says so (not on → off)", () => {
  const d = mkdtempSync('/tmp/nc-debian-disable.')
  mkdirSync(join(d, 'etc'))
  mkdirSync(join(d, 'lib'))
  const user = lookupUser('netdata')!
  chownSync(join(d, 'lib'), user.uid, user.gid)
  const args = [
    'disable',
    '--netdata',
    '/usr/sbin/netdata',
    '--config-dir',
    join(d, 'etc'),
    '--lib-dir',
    join(d, 'lib'),
  ]
  const r = runCli(args)
  assert.equal(r.code, 0, r.stderr)
  assert.doesNotMatch(r.stdout, /on → off/)
  assert.match(r.stdout, /off, as before — this build .* has no ACLK/)
  const j = runCli([...args, '--json'])
  assert.equal(j.json.result.effectiveBefore, 'off')
  assert.equal(j.json.result.effectiveAfter, 'off')
})
