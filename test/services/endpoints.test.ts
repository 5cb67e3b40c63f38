// `status --endpoints` against the emulator on loopback (startEmulator): a claimed node's allow-list is the base URL
// from its cloud.conf plus the auth and MQTT endpoints the emulator's /env returns (a second hostname proves they come
// from /env, not from the code), each resolved now; through a real tinyproxy the proxy is listed and reached by this
// node, the Cloud hosts by the proxy; an unclaimed node lists the base URL only; /env failing exits with its class.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {EXIT} from '../../src/base/errors.js'
import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {startTinyproxy} from '../cloud/http-daemons.js'
import {makeClaimedNode} from '../integration/linked-node.js'
import {ROOT, runCliAsync} from '../helpers/cli.js'

const {default: Ajv} = (await import('ajv')) as any
const ajv = new Ajv({allErrors: true, strict: false})
const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas/endpoints.json'), 'utf8')))

describe('status --endpoints (emulator on loopback)', () => {
  let emu: Emulator
  const dirs: string[] = []

  before(async () => {
    // the certificate's first name is used in URLs: /env answers with the name the client asked for
    emu = await startEmulator({hostnames: ['localhost', '127.0.0.1']})
  })

  after(async () => {
    await emu.close()
    for (const d of dirs) rmSync(d, {force: true, recursive: true})
  })
  const node = () => {
    const d = mkdtempSync('/tmp/nc-endpoints.')
    dirs.push(d)
    const {claimId} = makeClaimedNode(d, emu)
    return {claimId, d, flags: ['--config-dir', join(d, 'etc'), '--lib-dir', join(d, 'lib'), '--ca', emu.caPath]}
  }

  const port = () => Number(new URL(emu.url).port)

  test('a claimed node, direct: base URL, /env authEndpoint and MQTT endpoint, resolved; schema', async () => {
    const n = node()
    const r = await runCliAsync(['status', '--endpoints', '--json', ...n.flags])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.ok(validate(r.json.result), ajv.errorsText(validate.errors))
    const res = r.json.result
    assert.equal(res.env.state, 'ok')
    assert.equal(res.claimId, n.claimId)
    assert.equal(res.proxy, null)
    // the emulator serves base, auth and MQTT on one host:port: an HTTPS row (both reasons) and a WSS row
    assert.equal(res.endpoints.length, 2)
    const [e, mqtt] = res.endpoints
    assert.deepEqual([e.host, e.port, e.reachedBy, e.protocol], ['localhost', port(), 'this node', 'HTTPS'])
    assert.ok(e.addresses.includes('127.0.0.1') || e.addresses.includes('::1'), e.addresses.join(','))
    assert.match(e.why, /claim request.*and the challenge and password/)
    assert.deepEqual([mqtt.host, mqtt.port, mqtt.source], ['localhost', port(), '/env transports MQTTv5'])
    assert.match(mqtt.protocol, /^WSS/)
    assert.ok(
      emu.records.requests.some((q: any) => q.path.startsWith('/api/v1/env?')),
      '/env was asked',
    )
    const text = await runCliAsync(['status', '--endpoints', ...n.flags])
    assert.match(text.stdout, new RegExp(`^localhost:${port()}\\s+HTTPS\\s+this node\\s+\\S*127\\.0\\.0\\.1`, 'm'))
    assert.match(text.stdout, /\/env: \/env answered 200/)
  })

  test('through a real HTTP proxy (tinyproxy): the proxy is what this node reaches; Cloud hosts by the proxy', async () => {
    const proxy = await startTinyproxy()
    try {
      const n = node()
      writeFileSync(join(n.d, 'etc/netdata.conf'), `[cloud]\n    proxy = http://127.0.0.1:${proxy.port}\n`)
      const r = await runCliAsync(['status', '--endpoints', '--json', ...n.flags])
      assert.equal(r.code, 0, r.stdout + r.stderr)
      assert.ok(validate(r.json.result), ajv.errorsText(validate.errors))
      const [p, cloud] = r.json.result.endpoints
      assert.deepEqual([p.host, p.port, p.protocol, p.reachedBy], ['127.0.0.1', proxy.port, 'HTTP proxy', 'this node'])
      assert.equal(p.source, 'netdata.conf:2')
      assert.deepEqual([cloud.host, cloud.reachedBy], ['localhost', 'the proxy'])
      assert.equal(r.json.result.env.state, 'ok', 'the /env request went through the proxy')
    } finally {
      await proxy.stop()
    }
  })

  test('unclaimed: only the base URL, /env skipped (exit 0); /env refused: its failure class', async () => {
    const n = node()
    rmSync(join(n.d, 'lib/cloud.d/claimed_id'))
    const r = await runCliAsync(['status', '--endpoints', '--json', ...n.flags])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json.result.env.state, 'skipped')
    assert.equal(r.json.result.endpoints.length, 1)
    const bad = await startEmulator({faults: ['env-500']})
    try {
      const m = node()
      writeFileSync(
        join(m.d, 'lib/cloud.d/cloud.conf'),
        `[global]\n    enabled = yes\n    cloud base url = ${bad.url}\n`,
      )
      const f = await runCliAsync(['status', '--endpoints', '--json', ...m.flags.slice(0, -1), bad.caPath])
      assert.equal(f.code, EXIT.cloudApi, f.stdout)
      assert.equal(f.json.result.env.state, 'failed')
      assert.match(f.json.result.env.detail, /500.*ErrInternalServerError/)
    } finally {
      await bad.close()
    }
  })
})
