// Issue 17, identity: "status should flag a claim whose GUID or hostname is not the agent's own". Nothing on a node
// records what a claim sent (v1's netdata-claim.sh deletes cloud.d/tmpin.txt on every path), so netdata-cloud's claim
// writes cloud.d/netdata-cloud-claim.json, and status compares it with the agent. The built CLI against the emulator
// (which records the hostname each claim sent), on files with real owners; the netdata binary is a stand-in printing
// a real v1.40 buildinfo (no Cloud-enabled v1 agent is installed for npm test; the agent tier runs the real v1.44.3).
import assert from 'node:assert/strict'
import {hostname} from 'node:os'
import {
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {lookupUser} from '../../src/agent/accounts.js'
import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {fakeNode, type FakeNode} from '../helpers/fake-node.js'
import {cli} from './claim-env.js'

const TOKEN = 'tok-ClaimSent-1a2b3c4d5e6f'
const ROOM = '3a3b3c3d-1111-4222-8333-944445555666'
const GUID = 'c0ffee00-1111-4222-8333-444455556666'
const user = lookupUser('netdata')!
const NAME = 'sent-test-node'

interface Node extends FakeNode {
  cloudDir: string
  record: string
  conf: string
}

describe('claim records what it sent; status compares it with the agent', () => {
  let emu: Emulator
  const nodes: Node[] = []

  before(async () => {
    emu = await startEmulator({rooms: [ROOM], tokens: [TOKEN]})
  })

  after(async () => {
    await emu.close()
    for (const n of nodes) rmSync(n.root, {force: true, recursive: true})
  })

  const node = (name = NAME): Node => {
    const n = fakeNode('D-v1.40.0.txt', 'v1.40.0')
    const conf = join(n.configDir, 'netdata.conf')
    writeFileSync(conf, `[global]\n\trun as user = netdata\n\thostname = ${name}\n`)
    mkdirSync(join(n.libDir, 'registry'))
    writeFileSync(join(n.libDir, 'registry/netdata.public.unique.id'), GUID)
    for (const p of [n.libDir, join(n.libDir, 'registry')]) chownSync(p, user.uid, user.gid)
    writeFileSync(join(n.root, 'token'), TOKEN + '\n', {mode: 0o600})
    const cloudDir = join(n.libDir, 'cloud.d')
    const out = {...n, cloudDir, conf, record: join(cloudDir, 'netdata-cloud-claim.json')}
    nodes.push(out)
    return out
  }

  const claim = (n: Node, extra: string[] = []) =>
    cli([
      'claim',
      ...n.flags,
      '--agent-url',
      'http://127.0.0.1:9',
      '--token-file',
      join(n.root, 'token'),
      '--url',
      emu.url,
      '--ca',
      emu.caPath,
      '--rooms',
      ROOM,
      '--no-reload',
      '--json',
      ...extra,
    ])
  const status = (n: Node) => cli(['status', ...n.flags, '--offline', '--json'])
  const sentFindings = (s: any) =>
    (s.json.result.findings as {message: string}[]).filter(f =>
      /told Cloud|named machine GUID|hostname it sent/.test(f.message),
    )

  test('v1 claim: Cloud gets the agent name, the record says so (0644, agent-owned, no token); status has no finding', async () => {
    const n = node()
    const dry = await claim(n, ['--dry-run'])
    assert.equal(dry.code, 0, dry.stdout + dry.stderr)
    assert.ok(
      dry.json.result.files.some(
        (f: {action: string; path: string}) => f.path === n.record && f.action === 'would-create',
      ),
      JSON.stringify(dry.json.result.files),
    )
    assert.equal(existsSync(n.record), false, '--dry-run writes no record')

    const r = await claim(n)
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const {claimId} = r.json.result
    const sent = emu.records.claims.filter(c => c.claimId.toLowerCase() === claimId.toLowerCase())
    assert.equal(sent.at(-1)?.hostname, NAME, `the emulator got ${JSON.stringify(sent)}`)
    const text = readFileSync(n.record, 'utf8')
    assert.doesNotMatch(text, new RegExp(TOKEN))
    const rec = JSON.parse(text)
    assert.deepEqual(
      {claimId: rec.claimId, hostname: rec.hostname, machineGuid: rec.machineGuid, method: rec.method, url: rec.url},
      {claimId, hostname: NAME, machineGuid: GUID, method: 'v1-native', url: emu.url},
    )
    assert.match(rec.by, /^netdata-cloud \d+\.\d+/)
    const st = statSync(n.record)
    assert.equal(st.mode & 0o777, 0o644)
    assert.equal(st.uid, user.uid)
    assert.ok(r.json.result.files.some((f: {path: string}) => f.path === n.record))

    const s = await status(n)
    assert.equal(s.json.result.claim.sent.source, 'record', JSON.stringify(s.json.result.claim.sent))
    assert.equal(s.json.result.claim.sent.hostname, NAME)
    assert.equal(s.json.result.claim.sent.agentHostname.value, NAME)
    assert.deepEqual(sentFindings(s), [])
    const screen = await cli(['status', ...n.flags, '--offline'])
    assert.match(
      screen.stdout,
      new RegExp(`Claim sent +hostname ${NAME}, machine GUID ${GUID} \\(v1-native claim by netdata-cloud`),
    )
  })

  test('the agent renamed, or its GUID changed, after the claim: status names what Cloud was told and what the agent is', async () => {
    const n = node()
    assert.equal((await claim(n)).code, 0)
    writeFileSync(n.conf, `[global]\n\trun as user = netdata\n\thostname = renamed-node\n`)
    const other = 'aaaaaaaa-1111-4222-8333-444455556666'
    writeFileSync(join(n.libDir, 'registry/netdata.public.unique.id'), other)
    const s = await status(n)
    const found = sentFindings(s).map(f => f.message)
    assert.equal(found.length, 2, JSON.stringify(found))
    assert.match(
      found[0],
      new RegExp(
        `told Cloud the hostname "${NAME}", but the agent calls itself "renamed-node" \\(netdata.conf:3 \\[global\\] hostname\\)`,
      ),
    )
    assert.match(found[1], new RegExp(`named machine GUID ${GUID} to Cloud, but the agent's is ${other}`))
    assert.equal(s.code, 0, 'a warning: the verdict (not asked, --offline) is unchanged')
  })

  test('claimed again another way (netdata-claim.sh writes another claimed_id): the record is stale; the host name is flagged', async () => {
    const n = node()
    assert.equal((await claim(n)).code, 0)
    const byScript = 'bbbbbbbb-1111-4222-8333-444455556666'
    writeFileSync(join(n.cloudDir, 'claimed_id'), byScript)
    const s = await status(n)
    const {sent} = s.json.result.claim
    assert.equal(sent.source, 'not recorded')
    assert.match(sent.problem, new RegExp(`records claim [0-9a-f-]{36}, not this node's ${byScript}`))
    const found = sentFindings(s).map(f => f.message)
    assert.equal(found.length, 1, JSON.stringify(s.json.result.findings))
    assert.match(
      found[0],
      new RegExp(
        `netdata-claim.sh run by hand or by kickstart.sh sends the host's name "${hostname()}" \\(bash's \\$HOSTNAME\\), not the agent's "${NAME}"`,
      ),
    )
    // the agent's name is the host's: nothing to flag
    writeFileSync(n.conf, `[global]\n\trun as user = netdata\n`)
    assert.deepEqual(sentFindings(await status(n)), [])
  })

  test('a planted record (a symlink to a file of ours) is refused, not read; unclaim removes the record with the claim', async () => {
    const n = node()
    assert.equal((await claim(n)).code, 0)
    const good = readFileSync(n.record, 'utf8')
    const planted = join(n.root, 'elsewhere.json')
    writeFileSync(planted, good)
    unlinkSync(n.record)
    symlinkSync(planted, n.record)
    const s = await status(n)
    assert.equal(s.json.result.claim.sent.source, 'not recorded')
    assert.match(s.json.result.claim.sent.problem, /symbolic link|symlink/)
    unlinkSync(n.record)
    writeFileSync(n.record, good)
    chownSync(n.record, user.uid, user.gid)
    const u = await cli([
      'unclaim',
      ...n.flags,
      '--buildinfo-file',
      join(n.root, 'buildinfo.txt'),
      '--yes',
      '--no-reload',
      '--json',
    ])
    assert.equal(u.code, 0, u.stdout + u.stderr)
    assert.ok(
      u.json.result.removed.some((x: {path: string}) => x.path === n.record),
      JSON.stringify(u.json.result.removed),
    )
    assert.equal(existsSync(n.record), false)
    assert.equal(s.json.result.claim.sent.record, n.record)
  })
})
