// Every named fault, observed from outside: curl, openssl s_client, mqtt.js over wss.
import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {connect as tlsConnect} from 'node:tls'

import mqtt from 'mqtt'

import {type Emulator, FAULTS, parseFaults, startEmulator} from '../../src/emulator/index.js'
import {
  claim,
  curl,
  curlCount,
  decryptChallenge,
  json,
  makeNode,
  type NodeIdentity,
  otpExchange,
  sClient,
} from './clients.js'

/** The bytes of one answer, read until the server closes (for answers curl does not show). */
function rawRequest(emu: Emulator, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      {
        ca: emu.caPem,
        host: '127.0.0.1',
        port: emu.port,
        servername: 'localhost',
      },
      () => socket.end(request),
    )
    let data = ''
    socket.setEncoding('utf8')
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')))
    socket.on('data', d => {
      data += d
    })
    socket.on('close', () => resolve(data))
    socket.on('error', reject)
  })
}

describe('fault syntax', () => {
  test('NAME[:NUMBER][@ENDPOINT], comma lists, defaults', () => {
    assert.deepEqual(
      parseFaults(['slow:2000@env,stall@mqtt']).map(f => [f.name, f.arg, f.endpoint]),
      [
        ['slow', 2000, 'env'],
        ['stall', undefined, 'mqtt'],
      ],
    )
    assert.equal(parseFaults(['connack-refused'])[0].arg, 0x87)
    assert.equal(parseFaults(['retry-after'])[0].arg, 60)
  })

  test('bad specs are refused with the syntax in the fix', () => {
    for (const bad of ['nope', 'slow', 'stall:3', 'slow:10@nowhere', 'env-500@claim', 'expired-cert@env', 'slow:x']) {
      assert.throws(
        () => parseFaults([bad]),
        (error: any) => error.code === 'badInput' && /NAME\[:NUMBER]\[@ENDPOINT]|applies to/.test(error.fix),
        bad,
      )
    }
  })
})

describe('faults', () => {
  let emu: Emulator
  let node: NodeIdentity
  const env = (e: Emulator) => curl(e, [`${e.url}/api/v1/env?v=2.11.0&cap=proto,ctx&claim_id=${node.claimId}`])
  const challenge = (e: Emulator) => curl(e, [`${e.url}/api/v1/auth/node/${node.claimId}/challenge`])
  const connect = (e: Emulator, creds: any, protocolVersion: 4 | 5) =>
    new Promise<{error?: any; client?: mqtt.MqttClient}>(resolve => {
      const c = mqtt.connect(`wss://localhost:${e.port}/mqtt`, {
        ca: e.caPem,
        clientId: creds.clientID,
        connectTimeout: 1500,
        password: creds.password,
        protocolVersion,
        reconnectPeriod: 0,
        username: creds.username,
      })
      c.on('connect', () => resolve({client: c}))
      c.on('error', error => {
        c.end(true)
        resolve({error})
      })
      c.on('close', () => resolve({error: new Error('closed')}))
    })

  before(async () => {
    emu = await startEmulator()
    node = makeNode()
    assert.equal((await claim(emu, node)).status, 204)
  })

  after(async () => emu.close())

  test('every fault has a test below', () => {
    const tested = [
      'expired-cert',
      'not-yet-valid-cert',
      'self-signed',
      'wrong-host-cert',
      'token-rejected',
      'room-invalid',
      'already-claimed',
      'claim-in-progress',
      'env-500',
      'env-bad-json',
      'env-no-mqttv5',
      'challenge-wrong-key',
      'password-rejected',
      'banned',
      'retry-after',
      'no-upgrade',
      'connack-refused',
      'drop-after-connect',
      'slow',
      'stall',
      'flood',
    ]
    assert.deepEqual(Object.keys(FAULTS).sort(), tested.sort())
  })

  test('certificate faults, seen by openssl s_client (verify code) and curl', async () => {
    const good = await sClient(emu)
    assert.match(good, /Verification: OK/)
    const cases: [string, RegExp][] = [
      ['expired-cert', /certificate has expired/],
      ['not-yet-valid-cert', /certificate is not yet valid/],
      ['self-signed', /self[- ]signed certificate/],
      ['wrong-host-cert', /hostname mismatch/],
    ]
    for (const [fault, verify] of cases) {
      emu.setFaults([fault])
      assert.match(await sClient(emu), verify, fault)
      const r = await curl(emu, [`${emu.url}/api/v1/env?claim_id=${node.claimId}`])
      assert.equal(r.code, 60, `${fault}: curl exit ${r.code} ${r.stderr}`)
    }

    emu.setFaults([])
    assert.match(await sClient(emu), /Verification: OK/)
  })

  test('claim faults', async () => {
    const cases: [string, number, string][] = [
      ['token-rejected', 403, 'ErrForbidden'],
      ['room-invalid', 422, 'ErrInvalidRoomID'],
      ['already-claimed', 409, 'ErrAlreadyClaimed'],
      ['retry-after:7@claim', 503, 'ErrServiceUnavailable'],
    ]
    for (const [fault, status, key] of cases) {
      emu.setFaults([fault])
      const r = await claim(emu, node)
      assert.equal(r.status, status, fault)
      assert.ok(r.body.includes(`"errorMsgKey":"${key}"`), `${fault}: ${r.body}`)
      if (fault.startsWith('retry-after')) assert.ok(r.headers.includes('Retry-After: 7'), r.headers.join('|'))
    }

    emu.setFaults(['claim-in-progress'])
    const r = await claim(emu, node)
    // curl takes 102 for an interim answer: it shows the status line (what the v1 script reads), not the body
    assert.match(r.raw, /^HTTP\/1\.1 102 Processing\r\n/)
    const raw = await rawRequest(
      emu,
      `PUT /api/v1/spaces/nodes/${node.claimId} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}`,
    )
    assert.match(
      raw,
      /^HTTP\/1\.1 102 Processing\r\n[\s\S]*\r\n\r\n\{"errorCode":"[^"]+","errorMsgKey":"ErrProcessingClaim"/,
    )
    emu.setFaults([])
  })

  test('/env faults', async () => {
    emu.setFaults(['env-500'])
    let r = await env(emu)
    assert.equal(r.status, 500)
    assert.deepEqual(Object.keys(json(r)), ['errorCode', 'errorMsgKey', 'errorMessage'])
    emu.setFaults(['env-bad-json'])
    r = await env(emu)
    assert.equal(r.status, 200)
    assert.throws(() => JSON.parse(r.body))
    emu.setFaults(['env-no-mqttv5'])
    assert.deepEqual(
      json(await env(emu)).transports.map((t: any) => t.type),
      ['MQTTv3'],
    )
    emu.setFaults([])
    assert.deepEqual(
      json(await env(emu)).transports.map((t: any) => t.type),
      ['MQTTv5', 'MQTTv3'],
    )
  })

  test('challenge-wrong-key: the node key cannot decrypt it', async () => {
    emu.setFaults(['challenge-wrong-key'])
    const r = await challenge(emu)
    assert.equal(r.status, 200)
    assert.equal(json(r).challenge.length, 344)
    assert.throws(() => decryptChallenge(node, json(r).challenge))
    emu.setFaults([])
  })

  test('password-rejected: 401 for the right answer', async () => {
    emu.setFaults(['password-rejected'])
    const r = await otpExchange(emu, node)
    assert.equal(r.status, 401)
    assert.equal(json(r).errorMsgKey, 'ErrInvalidChallengeResponse')
    emu.setFaults([])
    assert.equal((await otpExchange(emu, node)).status, 201)
  })

  test('banned and retry-after on env/challenge/password, and limited to one endpoint', async () => {
    emu.setFaults(['banned'])
    for (const r of [await env(emu), await challenge(emu)]) {
      assert.equal(r.status, 403)
      assert.equal(json(r).errorNonRetryable, true)
    }

    emu.setFaults(['retry-after:9'])
    assert.equal(json(await env(emu)).errorRetryDelaySeconds, 9)
    emu.setFaults(['banned@password'])
    assert.equal((await env(emu)).status, 200)
    assert.equal((await challenge(emu)).status, 200)
    const r = await otpExchange(emu, node)
    assert.equal(r.status, 403)
    assert.equal(json(r).errorNonRetryable, true)
    emu.setFaults([])
  })

  test('slow:MS delays only its endpoint', async () => {
    emu.setFaults(['slow:400@env'])
    let t = performance.now()
    assert.equal((await env(emu)).status, 200)
    assert.ok(performance.now() - t >= 400)
    t = performance.now()
    assert.equal((await challenge(emu)).status, 200)
    assert.ok(performance.now() - t < 400)
    emu.setFaults([])
  })

  test('stall and flood: the client times out, the emulator closes at once', async () => {
    const own = await startEmulator({faults: ['stall@env', 'flood@challenge']})
    try {
      own.registerNode(node.claimId, node.publicKeyPem)
      const r = await curl(own, ['--max-time', '1', `${own.url}/api/v1/env?claim_id=${node.claimId}`])
      assert.equal(r.code, 28, r.stderr)
      assert.equal(r.raw, '')
      const flood = await curlCount(own, ['--max-time', '1', `${own.url}/api/v1/auth/node/${node.claimId}/challenge`])
      assert.equal(flood.code, 28)
      assert.equal(flood.status, 200)
      assert.ok(flood.bytes > 1 << 20, `flood gave ${flood.bytes} bytes`)
      // leave a stalled request open while closing
      const pending = curl(own, ['--max-time', '5', `${own.url}/api/v1/env?claim_id=${node.claimId}`])
      await own.records.waitFor(
        'requests',
        q => q.faults.includes('stall@env') && own.records.requests.filter(x => x.endpoint === 'env').length >= 2,
      )
      const t = performance.now()
      await own.close()
      assert.ok(performance.now() - t < 500, `close took ${performance.now() - t} ms`)
      assert.notEqual((await pending).code, 0)
    } finally {
      await own.close().catch(() => {})
    }
  })

  test('MQTT faults: no-upgrade, connack-refused:CODE, drop-after-connect, stall, slow, flood', async () => {
    const creds = json(await otpExchange(emu, node))
    emu.setFaults(['no-upgrade'])
    const upgrade = await curl(emu, [
      '-H',
      'Upgrade: websocket',
      '-H',
      'Connection: Upgrade',
      '-H',
      'Sec-WebSocket-Version: 13',
      '-H',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      '-H',
      'Sec-WebSocket-Protocol: mqtt',
      `${emu.url}/mqtt`,
    ])
    assert.equal(upgrade.status, 400)
    assert.ok((await connect(emu, creds, 5)).error)

    emu.setFaults(['connack-refused:135'])
    assert.equal((await connect(emu, creds, 5)).error?.code, 135)
    assert.equal((await connect(emu, creds, 4)).error?.code, 5)
    emu.setFaults(['connack-refused:134'])
    assert.equal((await connect(emu, creds, 4)).error?.code, 4)

    emu.setFaults(['drop-after-connect'])
    const dropped = await connect(emu, creds, 5)
    assert.ok(dropped.client, 'CONNACK 0 first')
    await new Promise<void>(resolve => {
      dropped.client!.on('close', () => resolve())
    })
    dropped.client!.end(true)
    const rec = await emu.records.waitFor('connections', c => c.connack === 0 && c.disconnect?.by === 'emulator')
    assert.equal(rec.clientId, creds.clientID)

    emu.setFaults(['stall@mqtt'])
    const stalled = await connect(emu, creds, 5)
    assert.match(String(stalled.error?.message), /timeout|closed/i)

    emu.setFaults(['slow:300@mqtt'])
    const t = performance.now()
    const slow = await connect(emu, creds, 5)
    assert.ok(slow.client)
    assert.ok(performance.now() - t >= 300)
    await slow.client!.endAsync()

    emu.setFaults(['flood@mqtt'])
    const flooded = await connect(emu, creds, 5)
    let messages = 0
    await new Promise<void>(resolve => {
      flooded.client!.on('message', () => {
        if (++messages === 50) resolve()
      })
    })
    flooded.client!.end(true)
    emu.setFaults([])
    const ok = await connect(emu, creds, 5)
    assert.ok(ok.client)
    await ok.client!.endAsync()
  })
})
