// Issue 14 item 8 (status): a v2 node with a claim.conf holding a token is "pending", not plainly "not claimed".
import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {discoverInstall} from '../../src/agent/install.js'
import {getStatus} from '../../src/services/status.js'
import {renderStatus} from '../../src/ui/status.js'
import {fakeNode} from '../helpers/fake-node.js'

test('v2 with claim.conf [global] token: Claim pending, the verdict says so and how the agent picks it up', async () => {
  const node = fakeNode('v2-v2.11.0.txt', 'v2.11.0')
  writeFileSync(
    join(node.configDir, 'claim.conf'),
    '[global]\n    url = https://app.netdata.cloud\n    token = tok-Pending-0123456789\n    rooms = room-1\n',
    {mode: 0o640},
  )
  const install = discoverInstall({
    agentUrl: 'http://127.0.0.1:9',
    configDir: node.configDir,
    env: {},
    libDir: node.libDir,
    netdata: node.netdata,
  })
  const s = await getStatus(install, {offline: true})
  assert.deepEqual(s.claim.pending, {
    path: join(node.configDir, 'claim.conf'),
    rooms: 'room-1',
    url: 'https://app.netdata.cloud',
  })
  assert.equal(s.verdict.code, 'notClaimed')
  assert.match(s.verdict.message, /^not claimed yet: a claim is pending in .*claim\.conf \(a token, rooms room-1/)
  assert.match(s.verdict.fix ?? '', /claims from claim\.conf when it starts/)
  const text = renderStatus(s)
  assert.match(text, /Claim +not claimed yet — pending: .*claim\.conf has a token/)
  assert.doesNotMatch(JSON.stringify(s) + text, /tok-Pending/)
})
