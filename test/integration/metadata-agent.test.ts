// metadata against the real Debian agent: what would leave the node, and the raw audit copies.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {EXIT} from '../../src/base/errors.js'
import {withAgent} from '../helpers/agent.js'
import {runCli} from '../helpers/cli.js'

test("metadata lists the seed's five items with this node's values, and --save writes the raw copies 0600", async () => {
  await withAgent(async agent => {
    const save = join(mkdtempSync('/tmp/nc-meta.'), 'audit')
    const r = runCli(['metadata', '--json', '--agent-url', agent.url, '--save', save])
    assert.equal(r.code, 0, r.stderr)
    const m = r.json.result
    assert.equal(m.hostname, 'nd-test', 'test-agent.conf sets [global] hostname = nd-test')
    assert.deepEqual(
      m.items.map((i: any) => i.path),
      ['/api/v1/info', '/api/v1/charts', '/api/v1/alarms?all', '/api/v1/alarms'],
    )
    const info = m.items[0]
    assert.ok(info.keys.includes('version') && info.keys.includes('cloud-enabled'))
    for (const i of m.items) {
      const raw = readFileSync(i.savedTo, 'utf8')
      assert.equal(Buffer.byteLength(raw), i.bytes)
      assert.equal(statSync(i.savedTo).mode & 0o777, 0o600)
      JSON.parse(raw)
    }

    assert.equal(JSON.parse(readFileSync(join(save, 'info.json'), 'utf8')).version, 'v1.37.1')
    assert.equal(
      m.totalBytes,
      m.items.reduce((n: number, i: any) => n + i.bytes, 0),
    )
    const text = runCli(['metadata', '--agent-url', agent.url])
    assert.match(text.stdout, /What this node \(nd-test\) sends to Netdata Cloud/)
    assert.match(text.stdout, /\/api\/v1\/alarms\?all/)
  })
})

test('metadata with no agent listening: agentUnreachable, one line', () => {
  const r = runCli(['metadata', '--agent-url', 'http://127.0.0.1:9'])
  assert.equal(r.code, EXIT.agentUnreachable)
  assert.match(r.stderr, /^netdata-cloud: http:\/\/127\.0\.0\.1:9\/api\/v1\/info: connection refused/)
})
