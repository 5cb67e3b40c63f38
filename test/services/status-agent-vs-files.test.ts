// Issue 14 items 2, 17, 19: status compares the running agent's identity and version with the files'. A running
// agent that holds another claim id than claimed_id (not restarted after a re-claim) is NOT LINKED; a binary on disk
// newer than the running agent is flagged and the running agent's `cloud-available false` is the verdict; the
// agent's own aclk-implementation is shown and compared; the machine GUID is on screen.
import assert from 'node:assert/strict'
import {mkdirSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {join} from 'node:path'
import {after, test} from 'node:test'

import {discoverInstall} from '../../src/agent/install.js'
import {getStatus, statusExitCode} from '../../src/services/status.js'
import {renderStatus} from '../../src/ui/status.js'
import {CLAIM_ID, claimNode, fakeNode} from '../helpers/fake-node.js'
import {agentApi as fakeAgentApi} from '../helpers/trust-node.js'

const servers: Server[] = []
after(() => {
  for (const s of servers) s.close()
})

const agentApi = (info: Record<string, unknown>, aclk: Record<string, unknown>) => fakeAgentApi(servers, info, aclk)

const OTHER = '99999999-8888-4777-8666-555555555555'
const GUID = '0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5'

function install(node: ReturnType<typeof fakeNode>, agentUrl: string) {
  return discoverInstall({
    agentUrl,
    configDir: node.configDir,
    env: {},
    libDir: node.libDir,
    netdata: node.netdata,
  })
}

test('the running agent is online with another claim id than claimed_id → NOT LINKED (notLinked), both ids named', async () => {
  const node = fakeNode('D-v1.40.0.txt', 'v1.40.0')
  claimNode(node.root)
  const url = await agentApi(
    {'agent-claimed': true, 'aclk-available': true, 'cloud-available': true, 'cloud-enabled': true, version: 'v1.40.0'},
    {'agent-claimed': true, 'claimed-id': OTHER, online: true},
  )
  const s = await getStatus(install(node, url))
  assert.equal(s.verdict.state, 'not-linked')
  assert.equal(s.verdict.code, 'notLinked')
  assert.equal(statusExitCode(s), 28)
  assert.match(s.verdict.message, new RegExp(`holds claim id ${OTHER}, not ${CLAIM_ID}`))
  assert.match(s.verdict.fix ?? '', /restart the agent/)
  assert.deepEqual(
    s.mismatches.map(m => m.what),
    ['claimId'],
  )
  assert.equal(s.running.claimId, OTHER)
})

test('same claim id and online → LINKED (the comparison does not get in the way)', async () => {
  const node = fakeNode('D-v1.40.0.txt', 'v1.40.0')
  claimNode(node.root)
  const url = await agentApi(
    {'agent-claimed': true, 'aclk-available': true, 'cloud-available': true, 'cloud-enabled': true, version: 'v1.40.0'},
    {'agent-claimed': true, 'claimed-id': CLAIM_ID.toUpperCase(), online: true},
  )
  const s = await getStatus(install(node, url))
  assert.equal(s.verdict.code, 'ok', JSON.stringify(s.verdict))
  assert.deepEqual(s.mismatches, [])
})

test('binary on disk v1.40.0, running agent v1.39.0 with cloud-available false → flagged, and the verdict is noAclk, not "online: false"', async () => {
  const node = fakeNode('D-v1.40.0.txt', 'v1.40.0')
  claimNode(node.root)
  const url = await agentApi(
    {
      'agent-claimed': true,
      'aclk-available': false,
      'cloud-available': false,
      'cloud-enabled': true,
      version: 'v1.39.0',
    },
    {'agent-claimed': true, 'claimed-id': CLAIM_ID, online: false},
  )
  const s = await getStatus(install(node, url))
  assert.ok(
    s.findings.some(f => /binary on disk is v1\.40\.0, but the running agent is v1\.39\.0/.test(f.message)),
    JSON.stringify(s.findings),
  )
  assert.equal(s.verdict.code, 'noAclk')
  assert.match(s.verdict.message, /cloud-available: false.*v1\.39\.0.*v1\.40\.0/)
  assert.doesNotMatch(s.verdict.message, /online: false/)
  assert.match(s.verdict.fix ?? '', /restart the agent/)
})

test("the agent's aclk-implementation is shown and compared with what build and netdata.conf imply (v1.32)", async () => {
  const node = fakeNode('C-v1.32.1-both.txt', 'v1.32.1')
  claimNode(node.root)
  writeFileSync(join(node.configDir, 'netdata.conf'), '[cloud]\n\taclk implementation = ng\n')
  const url = await agentApi(
    {
      'agent-claimed': true,
      'aclk-available': true,
      'aclk-implementation': 'legacy',
      'cloud-available': true,
      'cloud-enabled': true,
      version: 'v1.32.1',
    },
    {'agent-claimed': true, 'claimed-id': CLAIM_ID, online: true},
  )
  const s = await getStatus(install(node, url))
  assert.equal(s.implementation.agent, 'legacy')
  assert.equal(s.implementation.files, 'ng')
  assert.ok(s.findings.some(f => /reports aclk-implementation legacy, but .* imply ng/.test(f.message)))
  const text = renderStatus(s)
  assert.match(text, /the agent says legacy/)
  assert.match(text, /aclk-implementation legacy/)
})

test('the machine GUID is on screen, and a running agent with another GUID is flagged', async () => {
  const node = fakeNode('D-v1.40.0.txt', 'v1.40.0')
  claimNode(node.root)
  mkdirSync(join(node.libDir, 'registry'), {recursive: true})
  writeFileSync(join(node.libDir, 'registry/netdata.public.unique.id'), GUID)
  const url = await agentApi(
    {
      'agent-claimed': true,
      'aclk-available': true,
      'cloud-available': true,
      'cloud-enabled': true,
      uid: OTHER,
      version: 'v1.40.0',
    },
    {'agent-claimed': true, 'claimed-id': CLAIM_ID, online: true},
  )
  const s = await getStatus(install(node, url))
  assert.match(renderStatus(s), new RegExp(`Machine GUID +${GUID}`))
  assert.ok(s.findings.some(f => f.message.includes(`machine GUID is ${OTHER}, but the GUID file says ${GUID}`)))
})

test('item 19: a v2 agent whose claim failed with "already claimed" → the clone case is named, with --regenerate-guid', async () => {
  const node = fakeNode('v2-v2.11.0.txt', 'v2.11.0')
  mkdirSync(join(node.libDir, 'registry'), {recursive: true})
  writeFileSync(join(node.libDir, 'registry/netdata.public.unique.id'), GUID)
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    if (req.url === '/api/v1/info')
      res.end(JSON.stringify({'agent-claimed': false, 'cloud-available': true, uid: GUID, version: 'v2.11.0'}))
    else if (req.url === '/api/v3/info')
      res.end(JSON.stringify({agents: [{cloud: {reason: 'Failed: agent is already claimed', status: 'available'}}]}))
    else res.end('{}')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  const s = await getStatus(install(node, `http://127.0.0.1:${(server.address() as {port: number}).port}`))
  const f = s.findings.find(x => /cloned machine/.test(x.message))
  assert.ok(f, JSON.stringify(s.findings))
  assert.match(f.message, new RegExp(`already claimed.*machine GUID ${GUID}`))
  assert.match(f.fix ?? '', /netdata-cloud unclaim --regenerate-guid --yes, then claim again/)
})
