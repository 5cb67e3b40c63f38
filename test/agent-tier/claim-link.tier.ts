// A linked node proven end to end on a real Cloud-enabled agent: claim the era's default way (and v2 --direct),
// the agent's own view says online with the node id the emulator gave, `status` says LINKED (exit 0) with that node
// id, `link` leaves the agent's one MQTT session alone, `unclaim` leaves it unclaimed and offline.
import assert from 'node:assert/strict'
import {randomUUID} from 'node:crypto'
import {existsSync, readFileSync, rmSync, statSync} from 'node:fs'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {EXIT} from '../../src/base/errors.js'
import {runProcess} from '../helpers/cli.js'
import {binariesOf} from './real-agent.js'
import {PREFIX, type Rig, withRig} from './shared.js'

const BIN = binariesOf(PREFIX)

async function claimAndLink(rig: Rig, extra: string[] = []): Promise<{claimId: string; nodeId: string}> {
  const {agent, emu} = rig
  const r = await rig.claim(extra)
  assert.equal(r.code, 0, `claim: ${r.stdout}${r.stderr}`)
  assert.equal(
    r.json.result.method,
    BIN.v2 ? (extra.includes('--direct') ? 'v2-direct' : 'v2-claim.conf') : 'v1-native',
  )
  const view = await agent.waitFor(v => v.online && v.nodeId !== null, 'online with a node id')
  const claimId = r.json.result.claimId as string
  assert.equal(view.claimId?.toLowerCase(), claimId.toLowerCase(), 'the agent claims with the id claim reported')
  const node = emu.nodes().find(n => n.claimId === claimId.toLowerCase())
  assert.ok(node?.claimed && node.connected, `emulator: ${JSON.stringify(node)}`)
  assert.equal(view.nodeId, node.nodeId, "the agent's node id is the one CreateNodeInstanceResult gave")
  assert.equal(rig.sessions(claimId), 1, 'one MQTT session')
  return {claimId, nodeId: view.nodeId!}
}

describe(`claim, status, link, unclaim on the real agent ${BIN.version} (${PREFIX})`, () => {
  test('--prefix finds the install (v2.11 at /opt/netdata is an --install-prefix /opt tree: usr/sbin/netdata)', async () => {
    const r = await runProcess(process.execPath, ['bin/run.js', 'status', '--prefix', PREFIX, '--offline', '--json'])
    assert.equal(r.json?.result?.agent?.netdata, BIN.netdata, r.stdout)
    assert.equal(r.json.result.agent.version, BIN.version)
  })

  test(`claim the ${BIN.v2 ? 'v2 way (claim.conf + reload)' : 'v1 way (native)'}: online, status LINKED exit 0 with the node id`, async () => {
    await withRig(async rig => {
      const {nodeId, claimId} = await claimAndLink(rig)
      const s = await rig.cli(['status', '--json'])
      assert.equal(s.code, EXIT.ok, s.stdout)
      assert.equal(s.json.result.verdict.state, 'linked')
      assert.equal(s.json.result.running.nodeId, nodeId)
      assert.match(s.json.result.verdict.message, new RegExp(`node id ${nodeId}`))
      assert.equal(s.json.result.claim.claimId.toLowerCase(), claimId.toLowerCase())
      // modes: whatever the agent wrote itself is not a finding
      assert.deepEqual(
        s.json.result.findings.filter((f: {message: string}) => /mode|readable|writable/.test(f.message)),
        [],
        JSON.stringify(s.json.result.findings),
      )
      // what Cloud was told is the agent's own name (netdata.conf hostname = test-node, not the host's)
      const told = rig.emu.records.claims.filter(c => c.claimId.toLowerCase() === claimId.toLowerCase())
      assert.equal(told.at(-1)?.hostname, 'test-node', JSON.stringify(told))
      const {sent} = s.json.result.claim
      assert.equal(sent.source, BIN.v2 ? 'agent' : 'record', JSON.stringify(sent))
      assert.equal(sent.hostname, 'test-node')
      assert.equal(sent.agentHostname.value, 'test-node')
      assert.deepEqual(
        s.json.result.findings.filter((f: {message: string}) =>
          /told Cloud|hostname it sent|named machine GUID/.test(f.message),
        ),
        [],
      )
      const text = await rig.cli(['status'])
      assert.match(text.stdout, /LINKED/)
      assert.match(text.stdout, new RegExp(`node id ${nodeId}`))
      if (BIN.v2) {
        // the CA went where v2.11's own claim reads it
        const trusted = join(rig.agent.cloudDir, 'trusted.pem')
        assert.ok(existsSync(trusted), 'cloud.d/trusted.pem')
        assert.equal(statSync(trusted).mode & 0o777, 0o644)
      }
    })
  })

  if (BIN.v2)
    test('claim --direct (v2): online, status LINKED exit 0 with the node id', async () => {
      await withRig(async rig => {
        const {nodeId} = await claimAndLink(rig, ['--direct'])
        const s = await rig.cli(['status', '--json'])
        assert.equal(s.code, EXIT.ok, s.stdout)
        assert.equal(s.json.result.running.nodeId, nodeId)
        // v2.11 keeps the record netdata-cloud wrote beside its own files in cloud.d
        assert.equal(s.json.result.claim.sent.source, 'record', JSON.stringify(s.json.result.claim.sent))
        assert.equal(s.json.result.claim.sent.hostname, 'test-node')
      })
    })

  if (!BIN.v2)
    test("v1's own netdata-claim.sh: it links, but with the GUID of its compiled-in registry path; status flags it", async () => {
      const guidFile = join(PREFIX, 'var/lib/netdata/registry/netdata.public.unique.id')
      const existed = existsSync(guidFile)
      try {
        await withRig(async rig => {
          const {agent, emu} = rig
          const claimId = randomUUID()
          const r = await runProcess(
            BIN.claimScript,
            [`-token=${emu.tokens[0]}`, `-rooms=${emu.rooms[0]}`, `-url=${emu.url}`, `-id=${claimId}`],
            {env: {...agent.env, CURL_CA_BUNDLE: emu.caPath}, timeoutMs: 60_000},
          )
          assert.equal(r.code, 0, `netdata-claim.sh: ${r.stdout}${r.stderr}`)
          await agent.waitFor(v => v.online, 'online after netdata-claim.sh')
          const own = (await (await fetch(`${agent.url}/api/v1/info`)).json()).uid as string
          const scriptGuid = readFileSync(guidFile, 'utf8').trim()
          assert.notEqual(scriptGuid, own, "the script's GUID is not the agent's")
          const s = await rig.cli(['status', '--json'])
          assert.equal(s.code, EXIT.ok, s.stdout)
          const finding = s.json.result.findings.find((f: {message: string}) => f.message.includes(scriptGuid))
          assert.ok(finding, JSON.stringify(s.json.result.findings))
          assert.match(finding.message, /netdata-claim\.sh reads the GUID there/)
          // and the hostname: the script sent bash's $HOSTNAME, not the agent's name (test-node)
          const told = emu.records.claims.filter(c => c.claimId.toLowerCase() === claimId.toLowerCase())
          assert.equal(told.at(-1)?.hostname, hostname(), JSON.stringify(told))
          assert.notEqual(hostname(), 'test-node')
          assert.equal(s.json.result.claim.sent.source, 'not recorded')
          const named = s.json.result.findings.find((f: {message: string}) => f.message.includes('hostname it sent'))
          assert.ok(named, JSON.stringify(s.json.result.findings))
          assert.match(
            named.message,
            new RegExp(`sends the host's name "${hostname()}".*not the agent's "test-node" \\(the running agent`),
          )
        })
      } finally {
        if (!existed) rmSync(guidFile, {force: true})
      }
    })

  test("link while the agent is online: the agent's one session and its reconnect counter do not move", async () => {
    await withRig(async rig => {
      const {claimId} = await claimAndLink(rig)
      const before = await rig.agent.view()
      const l = await rig.cli(['link', '--ca', rig.emu.caPath, '--json'])
      assert.equal(l.code, EXIT.ok, `link: ${l.stdout}${l.stderr}`)
      const mqtt = l.json.result.steps.find((s: {id: string}) => s.id === 'mqtt')
      assert.equal(mqtt?.status, 'WARN', JSON.stringify(l.json.result.steps))
      assert.match(mqtt.detail, /stopped before MQTT CONNECT: the running agent is online/)
      await new Promise(resolve => setTimeout(resolve, 1500))
      const after = await rig.agent.view()
      assert.equal(rig.sessions(claimId), 1, 'no second MQTT session with the agent claim id')
      const first = rig.emu.records.connections.find(c => c.clientId === claimId && c.connack === 0)
      assert.equal(first?.disconnect, undefined, "the agent's session is still open")
      assert.equal(after.reconnectCount, before.reconnectCount, 'reconnect-count unchanged')
      assert.ok(after.online)
    })
  })

  test("link --take-over --yes while online: the agent's session is taken over, and it reconnects by itself", async () => {
    await withRig(async rig => {
      const {claimId} = await claimAndLink(rig)
      const before = await rig.agent.view()
      const l = await rig.cli(['link', '--ca', rig.emu.caPath, '--take-over', '--yes', '--json'])
      const mqtt = l.json?.result?.steps.find((s: {id: string}) => s.id === 'mqtt')
      assert.equal(mqtt?.status, 'PASS', `link: ${l.stdout}${l.stderr}`)
      const first = rig.emu.records.connections.find(c => c.clientId === claimId && c.connack === 0)
      assert.equal(first?.disconnect?.by, 'emulator', "the agent's first session was ended by the take-over")
      // the agent notices and links again on its own
      await rig.agent.waitFor(
        v => v.online && (v.reconnectCount ?? 0) > (before.reconnectCount ?? 0),
        'online again after the take-over',
        60_000,
      )
      assert.ok(rig.sessions(claimId) >= 3, `agent, link, agent again: ${rig.sessions(claimId)} sessions`)
      console.error(
        `take-over: ${l.json.result.steps.map((s: {id: string; status: string}) => `${s.id} ${s.status}`).join(', ')}; mqtt: ${mqtt.detail}`,
      )
    })
  })

  test('unclaim: the agent ends unclaimed and offline; status exits notClaimed', async () => {
    await withRig(async rig => {
      await claimAndLink(rig)
      const u = await rig.cli(['unclaim', '--yes', '--json'])
      assert.equal(u.code, 0, `unclaim: ${u.stdout}${u.stderr}`)
      if (BIN.v2) await rig.agent.restart()
      const view = await rig.agent.waitFor(v => !v.online && !v.claimed, 'unclaimed and offline')
      assert.equal(view.online, false)
      const s = await rig.cli(['status', '--json'])
      assert.equal(s.code, EXIT.notClaimed, s.stdout)
      assert.equal(s.json.result.verdict.state, 'not-linked')
    })
  })
})
