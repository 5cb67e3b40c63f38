// The emulator's endpoints, driven by independent clients: curl (HTTPS with the CA file), mqtt.js over wss.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import mqtt from 'mqtt'
import protobuf from 'protobufjs'

import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {claim, curl, decryptChallenge, json, makeNode, otpExchange} from './clients.js'

describe('emulator start-up', () => {
  // start-up time is measured by `npm run bench` (no timed assertions in tests); here: fresh starts each work
  test('five fresh starts in a row each serve, and close cleanly', async () => {
    for (let i = 0; i < 5; i++) {
      const emu = await startEmulator()
      const r = await curl(emu, [`${emu.url}/api/v1/env?v=2.11.0&cap=proto,ctx&claim_id=${makeNode().claimId}`])
      assert.equal(r.status, 200, r.stderr)
      assert.equal(json(r).encoding, 'proto')
      await emu.close()
    }
  })
})

describe('emulator endpoints', () => {
  let emu: Emulator
  const lines: string[] = []

  before(async () => {
    emu = await startEmulator({log: l => lines.push(l)})
  })

  after(async () => emu.close())

  test('url, CA file, a generated token and room', () => {
    assert.match(emu.url, /^https:\/\/localhost:\d+$/)
    assert.equal(readFileSync(emu.caPath, 'utf8'), emu.caPem)
    assert.equal(emu.tokens.length, 1)
    assert.ok(emu.tokens[0].length >= 32)
    assert.match(emu.rooms[0], /^[\da-f]{8}-[\da-f]{4}-/)
  })

  test('claim: 204, then idempotent with the same key; 409 with another key', async () => {
    const node = makeNode()
    const r = await claim(emu, node)
    assert.equal(r.statusLine, 'HTTP/1.1 204 No Content')
    assert.equal(r.body, '')
    assert.equal((await claim(emu, node)).status, 204)
    const other = {...makeNode(), claimId: node.claimId}
    const again = await claim(emu, other)
    assert.equal(again.status, 409)
    assert.equal(json(again).errorMsgKey, 'ErrAlreadyClaimed')
    const rec = emu.records.claims.find(c => c.claimId === node.claimId && c.status === 204)
    assert.equal(rec?.hostname, 'test-node')
  })

  test('claim: each validation error has its status and compact errorMsgKey, never the text HTTP', async () => {
    const node = makeNode()
    const cases: [string, Record<string, unknown>, number, string, string?][] = [
      ['unknown token', {token: 'nope-nope-nope'}, 403, 'ErrForbidden'],
      ['node id ≠ path id', {node: {id: makeNode().claimId, hostname: 'h'}}, 422, 'ErrInvalidNodeID'],
      ['node id not a UUID', {node: {id: 'abc', hostname: 'h'}}, 422, 'ErrInvalidNodeID', 'abc'],
      ['empty hostname', {node: {id: node.claimId, hostname: ''}}, 422, 'ErrInvalidNodeName'],
      ['unknown room', {rooms: ['00000000-0000-0000-0000-000000000000']}, 422, 'ErrInvalidRoomID'],
      ['not a key', {publicKey: 'hello'}, 422, 'ErrInvalidPublicKey'],
      [
        'EC key',
        {
          publicKey:
            '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEn1LlwLN/KB/Ds2xl8FvoP6SY3ZhgrtoH0dYUk7ADH9VeLDPBh5oZ8+F2hbZbOsG6HAmG8e4ti/3V0Nyj/7u1+g==\n-----END PUBLIC KEY-----\n',
        },
        422,
        'ErrInvalidPublicKey',
      ],
    ]
    for (const [what, overrides, status, key, pathId] of cases) {
      const r = await claim(emu, node, overrides, pathId)
      assert.equal(r.status, status, what)
      assert.ok(r.body.includes(`"errorMsgKey":"${key}"`), `${what}: ${r.body}`)
      assert.ok(!r.body.includes('HTTP'), what)
      assert.equal(r.body.split('\n').length, 1, what)
    }

    const bad = await curl(emu, ['-X', 'PUT', '-d', '{not json', `${emu.url}/api/v1/spaces/nodes/${node.claimId}`])
    assert.equal(bad.status, 400)
  })

  test('answers are HTTP/1.1 with Content-Length, never chunked, short headers', async () => {
    const node = makeNode()
    await claim(emu, node)
    const r = await curl(emu, [`${emu.url}/api/v1/env?v=1.37.1&cap=proto,ctx&claim_id=${node.claimId}`])
    assert.match(r.statusLine, /^HTTP\/1\.1 200 /)
    assert.ok(
      r.headers.some(h => h.toLowerCase() === `content-length: ${Buffer.byteLength(r.body)}`),
      r.headers.join('|'),
    )
    assert.ok(!r.headers.some(h => /^transfer-encoding/i.test(h)))
    for (const h of r.headers) assert.ok(h.length < 256, h)
  })

  test('/env: every query form, the v1.31 `$claim_id` bug included', async () => {
    const node = makeNode()
    const forms: [string, string, string[]][] = [
      [`v=1.31.0&cap=json$claim_id=${node.claimId}`, 'json', ['json']],
      [`v=1.32.1&cap=json,proto&claim_id=${node.claimId}`, 'proto', ['proto']],
      [`v=1.33.0&cap=json&claim_id=${node.claimId}`, 'json', ['json']],
      [`v=1.36.0&cap=proto&claim_id=${node.claimId}`, 'proto', ['proto']],
      [`v=2.11.0&cap=proto,ctx&claim_id=${node.claimId.toUpperCase()}`, 'proto', ['proto', 'ctx']],
    ]
    for (const [query, encoding, capabilities] of forms) {
      const r = await curl(emu, [`${emu.url}/api/v1/env?${query}`])
      assert.equal(r.status, 200, query)
      const env = json(r)
      assert.equal(env.encoding, encoding, query)
      assert.deepEqual(env.capabilities, capabilities, query)
      assert.equal(env.authEndpoint, `${emu.url}/api/v1/auth`)
      assert.deepEqual(env.transports, [
        {type: 'MQTTv5', endpoint: `wss://localhost:${emu.port}/mqtt`},
        {type: 'MQTTv3', endpoint: `wss://localhost:${emu.port}/mqtt`},
      ])
      assert.deepEqual(env.backoff, {base: 2, maxSeconds: 1024, minSeconds: 0})
    }

    assert.ok(emu.records.requests.some(q => q.path.includes('cap=json$claim_id=')))
    const noId = await curl(emu, [`${emu.url}/api/v1/env?v=2.0.0&cap=proto`])
    assert.equal(noId.status, 400)
    // the host the client asked for is the host in the URLs, when the certificate names it
    const byIp = await curl(emu, [
      `https://127.0.0.1:${emu.port}/api/v1/env?v=2.11.0&cap=proto&claim_id=${node.claimId}`,
    ])
    assert.equal(json(byIp).authEndpoint, `https://127.0.0.1:${emu.port}/api/v1/auth`)
  })

  test('OTP: challenge is 256 bytes for the node key, password 201 with the era topics; ids case-insensitive', async () => {
    const node = makeNode()
    await claim(emu, node)
    const challenge = await curl(emu, [`${emu.url}/api/v1/auth/node/${node.claimId.toUpperCase()}/challenge`])
    assert.equal(challenge.status, 200)
    const b64 = json(challenge).challenge as string
    assert.equal(b64.length, 344)
    const secret = decryptChallenge(node, b64)
    assert.equal(secret.length, 32)
    const wrong = await curl(emu, [
      '-X',
      'POST',
      '-d',
      JSON.stringify({response: Buffer.alloc(32).toString('base64')}),
      `${emu.url}/api/v1/auth/node/${node.claimId}/password`,
    ])
    assert.equal(wrong.status, 401)
    assert.deepEqual(Object.keys(json(wrong)), ['errorCode', 'errorMsgKey', 'errorMessage'])
    // one answer per challenge: the right answer after a wrong one needs a new challenge
    const late = await curl(emu, [
      '-X',
      'POST',
      '-d',
      JSON.stringify({response: secret.toString('base64')}),
      `${emu.url}/api/v1/auth/node/${node.claimId}/password`,
    ])
    assert.equal(late.status, 401)

    const eras: [string, string, string[], string[]][] = [
      ['1.33.0', 'json', ['chart', 'alarms', 'meta', 'inbox-cmd'], ['agent-connection']],
      [
        '1.35.1',
        'json,proto',
        ['agent-connection', 'alarm-log', 'alarm-health', 'alarm-snapshot'],
        ['contexts-snapshot'],
      ],
      ['1.38.1', 'proto,ctx', ['contexts-snapshot', 'alarm-log', 'node-instance-collectors'], ['alarm-log-v2']],
      [
        '1.39.0',
        'proto,ctx',
        ['alarm-log-v2', 'alarm-checkpoint', 'alarm-config', 'alarm-snapshot-v2', 'chart', 'alarms', 'meta'],
        ['alarm-log', 'alarm-health'],
      ],
      // node-instance-manifest first appears in v2.11.0 (v1.44.3 knows no such topic)
      ['1.44.3', 'proto,ctx', ['alarm-log-v2', 'node-instance-collectors'], ['node-instance-manifest']],
      ['2.11.0', 'proto,ctx', ['alarm-log-v2', 'inbox-cmd-v1', 'node-instance-manifest'], ['alarm-snapshot']],
    ]
    for (const [version, cap, present, absent] of eras) {
      const r = await otpExchange(emu, node, version, cap)
      assert.equal(r.status, 201, version)
      const body = json(r)
      assert.equal(body.clientID, node.claimId)
      assert.equal(typeof body.username, 'string')
      assert.ok(body.password.length >= 32)
      const names = new Set((body.topics as {name: string; topic: string}[]).map(t => t.name))
      for (const n of present) assert.ok(names.has(n), `${version} lacks ${n}`)
      for (const n of absent) assert.ok(!names.has(n), `${version} has ${n}`)
      for (const t of body.topics) assert.ok(t.topic.includes('#{claim_id}'), t.topic)
    }
  })

  test('challenge for an unknown node: 404 error body; unknown path: 404', async () => {
    const r = await curl(emu, [`${emu.url}/api/v1/auth/node/${makeNode().claimId}/challenge`])
    assert.equal(r.status, 404)
    assert.equal(json(r).errorMsgKey, 'ErrNodeNotFound')
    assert.equal((await curl(emu, [`${emu.url}/nowhere`])).status, 404)
    // an authEndpoint with a trailing slash makes agents send `//node/…`: tolerated
    assert.equal((await curl(emu, [`${emu.url}/api/v1/auth//node/${makeNode().claimId}/challenge`])).status, 404)
    assert.equal(
      json(await curl(emu, [`${emu.url}/api/v1/auth//node/${makeNode().claimId}/challenge`])).errorMsgKey,
      'ErrNodeNotFound',
    )
  })

  for (const protocolVersion of [5, 4] as const) {
    test(`MQTT ${protocolVersion === 5 ? '5' : '3.1.1'} over wss: issued credentials → CONNACK 0 and a recorded session; wrong password refused`, async () => {
      const node = makeNode()
      await claim(emu, node)
      const creds = json(
        await otpExchange(
          emu,
          node,
          protocolVersion === 5 ? '2.11.0' : '1.34.0',
          protocolVersion === 5 ? 'proto,ctx' : 'json,proto',
        ),
      )
      const base = {
        ca: emu.caPem,
        clientId: creds.clientID,
        connectTimeout: 3000,
        protocolVersion,
        reconnectPeriod: 0,
        username: creds.username,
      }
      const refused = await new Promise<any>(resolve => {
        const c = mqtt.connect(`wss://localhost:${emu.port}/mqtt`, {...base, password: 'wrong'})
        c.on('error', error => {
          c.end(true)
          resolve(error)
        })
        c.on('connect', () => resolve(new Error('connected')))
      })
      assert.equal(refused.code, protocolVersion === 5 ? 0x86 : 4)

      const will = {
        payload: Buffer.from('gone'),
        qos: 1 as const,
        retain: false,
        topic: `/agent/${node.claimId}/outbound/v1/agent-connection`,
      }
      const client = await mqtt.connectAsync(`wss://localhost:${emu.port}/mqtt`, {
        ...base,
        keepalive: 60,
        password: creds.password,
        will,
        ...(protocolVersion === 5 ? {properties: {topicAliasMaximum: 65_535}} : {}),
      })
      await client.subscribeAsync(`/agent/${node.claimId}/inbound/cmd`, {qos: 1})
      await client.publishAsync(`/agent/${node.claimId}/outbound/v1/agent-connection`, 'hello', {qos: 1})
      const pong = new Promise<void>(resolve => {
        client.on('packetreceive', p => p.cmd === 'pingresp' && resolve())
      })
      client.sendPing()
      await pong
      // the emulator can publish to the client (inbound Cloud messages)
      const got = new Promise<string>(resolve => {
        client.on('message', (topic, payload) => resolve(`${topic} ${payload}`))
      })
      assert.equal(emu.publish(creds.clientID, `/agent/${node.claimId}/inbound/cmd`, 'do-it'), true)
      assert.equal(await got, `/agent/${node.claimId}/inbound/cmd do-it`)
      await client.endAsync()

      const rec = await emu.records.waitFor(
        'connections',
        c => c.clientId === creds.clientID && c.connack === 0 && c.disconnect !== undefined,
      )
      assert.equal(rec.protocolVersion, protocolVersion)
      assert.deepEqual(rec.subprotocols, ['mqtt'])
      assert.equal(rec.will?.topic, will.topic)
      assert.equal(rec.will?.payload.toString(), 'gone')
      assert.deepEqual(rec.subscriptions, [{qos: 1, topic: `/agent/${node.claimId}/inbound/cmd`}])
      assert.equal(rec.publishes[0].topic, `/agent/${node.claimId}/outbound/v1/agent-connection`)
      assert.equal(rec.publishes[0].payload.toString(), 'hello')
      assert.equal(rec.pings, 1)
      assert.equal(rec.disconnect?.by, 'client-disconnect')
      if (protocolVersion === 5) assert.equal(rec.connectProperties?.topicAliasMaximum, 65_535)
    })
  }

  test('after CONNECT it acts as Cloud: SendNodeInstances on subscribe, CreateNodeInstanceResult with a node id; node state and events', async () => {
    const node = makeNode()
    await claim(emu, node)
    const creds = json(await otpExchange(emu, node, '1.44.3'))
    const events: string[] = []
    const onEvent = (e: {event: string; claimId: string}) => e.claimId === node.claimId && events.push(e.event)
    emu.records.on('event', onEvent)
    const client = await mqtt.connectAsync(`wss://localhost:${emu.port}/mqtt`, {
      ca: emu.caPem,
      clientId: creds.clientID,
      password: creds.password,
      protocolVersion: 5,
      reconnectPeriod: 0,
      username: creds.username,
    })
    const inbound: {topic: string; payload: Buffer}[] = []
    const arrived = (type: string) =>
      new Promise<Buffer>(resolve => {
        const check = () => {
          const m = inbound.find(x => x.topic.endsWith(`/inbound/v1/${type}`))
          if (m) resolve(m.payload)
          else setTimeout(check, 20)
        }

        check()
      })
    client.on('message', (topic, payload) => inbound.push({payload, topic}))
    await client.subscribeAsync(`/agent/${node.claimId}/inbound/v1/+`, {qos: 1})
    const ask = protobuf.parse(
      'syntax = "proto3"; message S { string claim_id = 1; } message C { string claim_id = 1; string machine_guid = 2; string hostname = 3; } message R { string node_id = 1; string machine_guid = 2; }',
      {keepCase: true},
    ).root
    const sent = ask.lookupType('S').decode(await arrived('SendNodeInstances')) as unknown as {claim_id: string}
    assert.equal(sent.claim_id, node.claimId)
    const guid = '6290ded2-edca-11f1-8dba-02fc00000001'
    const C = ask.lookupType('C')
    await client.publishAsync(
      `/agent/${node.claimId}/outbound/v1/create-node-instance`,
      Buffer.from(C.encode(C.fromObject({claim_id: node.claimId, hostname: 'n1', machine_guid: guid})).finish()),
      {qos: 1},
    )
    const result = ask.lookupType('R').decode(await arrived('CreateNodeInstanceResult')) as unknown as {
      node_id: string
      machine_guid: string
    }
    assert.match(result.node_id, /^[0-9a-f-]{36}$/)
    assert.equal(result.machine_guid, guid)
    const state = emu.nodes().find(n => n.claimId === node.claimId)
    assert.equal(state?.nodeId, result.node_id)
    assert.equal(state?.connected, true)
    assert.equal(state?.claimed, true)
    assert.equal(state?.lastMessage?.topic, `/agent/${node.claimId}/outbound/v1/create-node-instance`)
    await client.endAsync()
    await emu.records.waitFor('events', e => e.claimId === node.claimId && e.event === 'disconnected')
    emu.records.off('event', onEvent)
    assert.deepEqual(events, ['connected', 'send-node-instances', 'create-node-instance', 'disconnected'])
    assert.equal(emu.nodes().find(n => n.claimId === node.claimId)?.connected, false)
  })

  test('the log names requests and statuses but never a token or password', () => {
    const all = lines.join('\n')
    assert.match(all, /PUT \/api\/v1\/spaces\/nodes\/\S+ → 204/)
    assert.match(all, /CONNACK 0x0/)
    assert.ok(!all.includes(emu.tokens[0]))
  })
})

describe('emulator state dir', () => {
  test('tokens, rooms and claimed nodes survive a restart; state.json is written atomically, mode 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-state-'))
    try {
      const first = await startEmulator({
        rooms: ['11111111-2222-3333-4444-555555555555'],
        stateDir: dir,
        tokens: ['token-from-flag-123456'],
      })
      const node = makeNode()
      assert.equal((await claim(first, node)).status, 204)
      await first.close()
      const saved = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))
      assert.deepEqual(saved.tokens, ['token-from-flag-123456'])
      assert.equal(saved.nodes[node.claimId].publicKeyPem, node.publicKeyPem)
      assert.equal(statSync(join(dir, 'state.json')).mode & 0o777, 0o600)
      assert.equal(statSync(join(dir, 'ca.pem')).isFile(), true)

      const second = await startEmulator({stateDir: dir})
      try {
        assert.deepEqual(second.tokens, ['token-from-flag-123456'])
        assert.deepEqual(second.rooms, ['11111111-2222-3333-4444-555555555555'])
        assert.equal((await otpExchange(second, node)).status, 201)
        // the same node id with another key is refused: the Cloud remembers the first key
        assert.equal((await claim(second, {...makeNode(), claimId: node.claimId})).status, 409)
      } finally {
        await second.close()
      }
    } finally {
      rmSync(dir, {force: true, recursive: true})
    }
  })

  test('registerNode pre-claims a node for link tests', async () => {
    const emu = await startEmulator()
    try {
      const node = makeNode()
      emu.registerNode(node.claimId.toUpperCase(), node.publicKeyPem)
      assert.equal((await otpExchange(emu, node)).status, 201)
    } finally {
      await emu.close()
    }
  })
})
