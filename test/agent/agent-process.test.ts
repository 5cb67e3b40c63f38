// Issue 14 item 4: which running agent is the install's, on a /proc tree built here (comm, exe, cmdline, environ as
// the kernel shows them): another install's agent is never picked, and the default pipe is used only when no other
// agent could own it.
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {findInstallAgent} from '../../src/agent/agent-process.js'
import {discoverInstall} from '../../src/agent/install.js'

function proc(entries: Array<{pid: number; exe: string; args: string[]; env?: string[]}>): string {
  const p = mkdtempSync('/tmp/nc-proc.')
  for (const e of entries) {
    const d = join(p, String(e.pid))
    mkdirSync(d)
    writeFileSync(join(d, 'comm'), 'netdata\n')
    symlinkSync(e.exe, join(d, 'exe'))
    writeFileSync(join(d, 'cmdline'), e.args.join('\0') + '\0')
    writeFileSync(join(d, 'environ'), (e.env ?? ['PATH=/usr/bin']).join('\0') + '\0')
  }

  return p
}

const other = mkdtempSync('/tmp/nc-other-tree.')
mkdirSync(join(other, 'etc'))
mkdirSync(join(other, 'lib'))
const install = discoverInstall({
  configDir: join(other, 'etc'),
  env: {},
  libDir: join(other, 'lib'),
  netdata: '/usr/sbin/netdata',
})
const system = {args: ['/usr/sbin/netdata', '-D'], exe: '/usr/sbin/netdata', pid: 100}

test("--config-dir naming another tree while the system's agent runs: not this install's agent (not-running)", () => {
  const a = findInstallAgent(install, proc([system]))
  assert.equal(a.state, 'not-running')
  assert.match(a.state === 'not-running' ? a.why : '', /1 other netdata process running: not this install's/)
})

test("the tree's own agent with NETDATA_PIPENAME: found, with that pipe for netdatacli", () => {
  const mine = {
    args: ['/usr/sbin/netdata', '-c', join(other, 'etc/netdata.conf'), '-D'],
    env: [`NETDATA_PIPENAME=${other}/netdata.pipe`],
    exe: '/usr/sbin/netdata',
    pid: 200,
  }
  const a = findInstallAgent(install, proc([system, mine]))
  assert.equal(a.state, 'found')
  assert.deepEqual(a.state === 'found' ? a.env : {}, {NETDATA_PIPENAME: `${other}/netdata.pipe`})
})

test("the tree's own agent without its own pipe while another agent runs: unknown (the default pipe may be theirs)", () => {
  const mine = {args: ['/usr/sbin/netdata', '-c', join(other, 'etc/netdata.conf')], exe: '/usr/sbin/netdata', pid: 200}
  const a = findInstallAgent(install, proc([system, mine]))
  assert.equal(a.state, 'unknown')
})

test("the tree's own agent alone: found, default pipe", () => {
  const mine = {args: ['/usr/sbin/netdata', '-c', join(other, 'etc/netdata.conf')], exe: '/usr/sbin/netdata', pid: 200}
  const a = findInstallAgent(install, proc([mine]))
  assert.equal(a.state, 'found')
  assert.equal(a.state === 'found' ? a.pid : 0, 200)
})
