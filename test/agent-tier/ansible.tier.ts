// examples/ansible/ on a real Cloud-enabled agent (issue 16): the role, run by Debian's ansible-core against
// localhost (-c local) with netdata-cloud installed from the npm tarball, points the CLI at the agent's own tree
// (--netdata/--config-dir/--lib-dir/--agent-url) and the emulator as the Cloud. Run 1 enables the link, sets a
// [cloud] option this era reads (`set cloud.query-thread-count 3`: v2.1+ write it as `query threads`) and claims
// with the token from an Ansible Vault file on --token-stdin: the agent ends online (its own API says so, the
// emulator records its MQTT session). Run 2: changed=0. `--check --diff` of the unclaim: the diff is shown, nothing
// is written. The unclaim: the agent ends unclaimed and offline; again: changed=0. The token is in no output or log.
import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {prepareAnsible} from '../helpers/ansible.js'
import {snapshot} from '../integration/claim-env.js'
import {binariesOf} from './real-agent.js'
import {PREFIX, withRig} from './shared.js'

const BIN = binariesOf(PREFIX)

test(`the Ansible role on the real agent ${BIN.version} (${PREFIX}): claim online, idempotent, --check --diff, unclaim`, async () => {
  const tmp = mkdtempSync('/tmp/nc-ansible-tier.')
  try {
    await withRig(async rig => {
      const {agent, emu} = rig
      const ansible = prepareAnsible(tmp, emu.tokens[0])
      // the CLI reaches the agent's pipe (netdatacli reload-claiming-state) through the environment Ansible runs in
      const env = {NETDATA_PIPENAME: agent.pipe}
      const vars = {
        netdata_cloud_args: agent.cliFlags,
        netdata_cloud_claim_args: ['--ca', emu.caPath],
        netdata_cloud_claim_rooms: [emu.rooms[0]],
        netdata_cloud_claim_url: emu.url,
        netdata_cloud_npm_args: ['--offline'],
        netdata_cloud_npm_prefix: join(tmp, 'prefix'),
        netdata_cloud_tarball: ansible.tarball,
        netdata_cloud_work_dir: tmp,
      }
      const claimed = {
        ...vars,
        netdata_cloud_claimed: true,
        // v2 agents do not read cloud.conf [global] enabled (enable answers unsupported): they link when claimed
        netdata_cloud_enabled: BIN.v2 ? null : true,
        netdata_cloud_options: {'query-thread-count': 3},
      }
      const unclaimed = {...vars, netdata_cloud_claimed: false, netdata_cloud_enabled: BIN.v2 ? null : false}
      // unclaim, and (v1) disable
      const unclaimChanges = BIN.v2 ? 1 : 2
      const conf = () => readFileSync(join(agent.etc, 'netdata.conf'), 'utf8')

      // 1. install, enable, the [cloud] option, claim: online
      const first = await ansible.playbook(claimed, [], env)
      assert.equal(first.failed, 0, first.output)
      for (const task of [
        'Install netdata-cloud from the tarball',
        String.raw`Set \[cloud\] options`,
        'Claim the node',
      ])
        assert.match(
          first.output,
          new RegExp(`TASK \\[netdata_cloud : ${task}[^\\]]*\\][^\\n]*\\nchanged: \\[localhost\\]`),
          task,
        )
      assert.match(
        conf(),
        BIN.major > 2 || (BIN.v2 && BIN.minor >= 1) ? /^\s*query threads = 3$/m : /^\s*query thread count = 3$/m,
      )
      if (!BIN.v2) assert.match(readFileSync(join(agent.cloudDir, 'cloud.conf'), 'utf8'), /enabled = yes/)
      const view = await agent.waitFor(v => v.online && v.nodeId !== null, 'online with a node id after the role')
      const node = emu.nodes().find(n => n.claimId === view.claimId?.toLowerCase())
      assert.ok(node?.claimed && node.connected, `emulator: ${JSON.stringify(emu.nodes())}`)
      assert.equal(view.nodeId, node.nodeId)
      assert.equal(rig.sessions(view.claimId!), 1, 'one MQTT session')
      assert.equal(emu.records.claims.length, 1)
      const changedFirst = first.changed
      // the option needs a restart (the role's handler is off here): the agent, started again, uses 3 query threads
      const logBefore = agent.log().length
      await agent.restart()
      await agent.waitFor(v => v.online, 'online again after the restart')
      const threads = /Starting 3 query threads|with 3 parallel query threads/
      for (let i = 0; i < 40 && !threads.test(agent.log().slice(logBefore)); i++)
        await new Promise(resolve => setTimeout(resolve, 250))
      assert.match(agent.log().slice(logBefore), threads, 'the agent read [cloud] query thread count / query threads')

      // 2. the same again: nothing to do (claim answers alreadyClaimed, not a failure)
      const second = await ansible.playbook(claimed, [], env)
      assert.equal(second.failed, 0, second.output)
      assert.equal(second.changed, 0, second.output)
      assert.equal(emu.records.claims.length, 1)
      assert.ok((await agent.view()).online)

      // 3. --check --diff of the unclaim: the diff shown, nothing written, still online
      const files = [...snapshot(agent.lib), ...snapshot(agent.etc)]
      const check = await ansible.playbook(unclaimed, ['--check', '--diff'], env)
      assert.equal(check.failed, 0, check.output)
      assert.equal(check.changed, unclaimChanges, check.output)
      assert.match(check.output, /"msg": "would-remove \S*cloud\.d\S*/)
      if (!BIN.v2) assert.match(check.output, /-\\tenabled = yes\\n\+\\tenabled = no/)
      assert.deepEqual([...snapshot(agent.lib), ...snapshot(agent.etc)], files, 'nothing written under --check')
      assert.ok((await agent.view()).online, 'still online after --check')

      // 4. unclaim and disable: the agent ends unclaimed and offline (v2 reads its claim at start: restart it)
      const third = await ansible.playbook(unclaimed, [], env)
      assert.equal(third.failed, 0, third.output)
      assert.equal(third.changed, unclaimChanges, third.output)
      assert.ok(!existsSync(join(agent.cloudDir, 'claimed_id')))
      if (!BIN.v2) assert.match(readFileSync(join(agent.cloudDir, 'cloud.conf'), 'utf8'), /enabled = no/)
      if (BIN.v2) await agent.restart()
      await agent.waitFor(v => !v.online && !v.claimed, 'unclaimed and offline')

      // 5. the same again
      const fourth = await ansible.playbook(unclaimed, [], env)
      assert.equal(fourth.failed, 0, fourth.output)
      assert.equal(fourth.changed, 0, fourth.output)

      assert.ok(!readFileSync(ansible.log, 'utf8').includes(emu.tokens[0]), "the token is not in Ansible's log")
      console.error(
        `ansible on ${BIN.version}: changed ${changedFirst}, ${second.changed}, check ${check.changed}, ${third.changed}, ${fourth.changed}`,
      )
    })
  } finally {
    rmSync(tmp, {force: true, recursive: true})
  }
})
