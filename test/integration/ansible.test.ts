// examples/ansible/ run for real: Debian's ansible-core against localhost (-c local), on the real Debian agent
// (test/helpers/agent.ts), with netdata-cloud installed by the role from the npm tarball, the claim token from an
// Ansible Vault file, and the emulator as the Cloud. The Debian build has no ACLK, so the calls that change the node
// judge it by a v1.32 buildinfo (both ACLKs: enable, implementation and claim all apply); status reports the real
// agent. Runs: claim (the expected changes), the same again (changed=0), --check --diff of the unclaim (nothing
// written, the diff shown), the unclaim, and that again (changed=0). The token appears in no output, log or child.
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, test} from 'node:test'

import {EXIT} from '../../src/base/errors.js'
import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {startAgent, lockAgent, type TestAgent} from '../helpers/agent.js'
import {type AnsibleRig, prepareAnsible} from '../helpers/ansible.js'
import {ROOT} from '../helpers/cli.js'
import {snapshot} from './claim-env.js'

const TOKEN = 'tok-AnsibleVault-7d6c5b4a3f2e'
const ROOM = '3a3b3c3d-1111-4222-8333-944445555666'
const V132 = join(ROOT, 'test/fixtures/buildinfo/C-v1.32.1-both.txt')
const tmp = mkdtempSync('/tmp/nc-ansible.')
const prefix = join(tmp, 'prefix')
let emu: Emulator
let agent: TestAgent
let unlock: () => void
let ansible: AnsibleRig
const playbook = (vars: Record<string, unknown>, extra: string[] = []) => ansible.playbook(vars, extra)

before(async () => {
  ansible = prepareAnsible(tmp, TOKEN)
  emu = await startEmulator({rooms: [ROOM], tokens: [TOKEN]})
  unlock = await lockAgent()
  agent = await startAgent()
})

after(async () => {
  await agent?.stop()
  unlock?.()
  await emu?.close()
  rmSync(tmp, {force: true, recursive: true})
})

test('the role claims, is idempotent, shows --check --diff without writing, and unclaims', async () => {
  const etc = join(agent.dir, 'etc')
  const lib = join(agent.dir, 'lib')
  const vars = {
    netdata_cloud_args: ['--config-dir', etc, '--lib-dir', lib, '--agent-url', agent.url],
    netdata_cloud_change_args: ['--buildinfo-file', V132],
    netdata_cloud_claim_args: ['--ca', emu.caPath],
    netdata_cloud_claim_rooms: [ROOM],
    netdata_cloud_claim_url: emu.url,
    netdata_cloud_npm_args: ['--offline'],
    netdata_cloud_npm_prefix: prefix,
    netdata_cloud_tarball: ansible.tarball,
    netdata_cloud_work_dir: tmp,
  }
  const claimed = {
    ...vars,
    netdata_cloud_claimed: true,
    netdata_cloud_enabled: true,
    netdata_cloud_implementation: 'ng',
    netdata_cloud_options: {statistics: 'no'},
  }
  const unclaimed = {...vars, netdata_cloud_claimed: false, netdata_cloud_enabled: false}

  // 1. copy + install, enable, implementation, a [cloud] option (`set cloud.statistics no`), claim
  const first = await playbook(claimed)
  assert.equal(first.failed, 0, first.output)
  assert.equal(first.changed, 6, first.output)
  for (const task of [
    'Install netdata-cloud from the tarball',
    'Enable the cloud link',
    'Switch the ACLK implementation',
    String.raw`Set \[cloud\] options`,
    'Claim the node',
  ])
    assert.match(
      first.output,
      new RegExp(`TASK \\[netdata_cloud : ${task}[^\\]]*\\][^\\n]*\\nchanged: \\[localhost\\]`),
      task,
    )
  assert.ok(existsSync(join(prefix, 'bin/netdata-cloud')))
  assert.match(readFileSync(join(lib, 'cloud.d/cloud.conf'), 'utf8'), /enabled = yes/)
  assert.match(readFileSync(join(etc, 'netdata.conf'), 'utf8'), /aclk implementation = ng/)
  assert.match(readFileSync(join(etc, 'netdata.conf'), 'utf8'), /^\s*statistics = no$/m)
  assert.match(readFileSync(join(lib, 'cloud.d/claimed_id'), 'utf8'), /^[\da-f-]{36}/)
  assert.equal(emu.records.claims.length, 1)
  // the report: the real Debian agent (built --disable-cloud) answers status
  assert.match(first.output, /localhost: cannot-link \(noAclk: this build has no ACLK/)

  // 2. the same again: nothing to do (claim answers alreadyClaimed, which is not a failure)
  const second = await playbook(claimed)
  assert.equal(second.failed, 0, second.output)
  assert.equal(second.changed, 0, second.output)
  assert.equal(emu.records.claims.length, 1)

  // 3. --check --diff of the unclaim: the CLI's --dry-run, the diff shown, nothing written
  const files = [...snapshot(lib), ...snapshot(etc)]
  const check = await playbook(unclaimed, ['--check', '--diff'])
  assert.equal(check.failed, 0, check.output)
  assert.equal(check.changed, 2, check.output)
  assert.match(
    check.output,
    /"msg": "would-remove \S*\/cloud\.d\/claimed_id, would-remove \S*\/cloud\.d\/netdata-cloud-claim\.json"/,
  )
  assert.match(check.output, /-\\tenabled = yes\\n\+\\tenabled = no/)
  assert.deepEqual([...snapshot(lib), ...snapshot(etc)], files, 'nothing written under --check')

  // 4. unclaim and disable; 5. the same again
  const third = await playbook(unclaimed)
  assert.equal(third.failed, 0, third.output)
  assert.equal(third.changed, 2, third.output)
  assert.ok(!existsSync(join(lib, 'cloud.d/claimed_id')))
  assert.match(readFileSync(join(lib, 'cloud.d/cloud.conf'), 'utf8'), /enabled = no/)
  const fourth = await playbook(unclaimed)
  assert.equal(fourth.failed, 0, fourth.output)
  assert.equal(fourth.changed, 0, fourth.output)

  assert.ok(!readFileSync(ansible.log, 'utf8').includes(TOKEN), "the token is not in Ansible's log")
  assert.equal(EXIT.alreadyClaimed, 32, 'the role relies on this code (roles/netdata_cloud/vars/main.yml)')
})

test("the role's copy of the exit-code table is src/base/errors.ts's", () => {
  const copy = readFileSync(join(ROOT, 'examples/ansible/roles/netdata_cloud/vars/main.yml'), 'utf8')
  const entries = [...copy.matchAll(/^ {2}(\w+): (\d+)$/gm)].map(m => [m[1], Number(m[2])])
  assert.deepEqual(Object.fromEntries(entries), EXIT)
})
