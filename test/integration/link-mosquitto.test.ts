// The MQTT leg of the link walk against Debian's mosquitto over WSS with a password file (a broker nobody here
// wrote): CONNECT/SUBSCRIBE/PING/DISCONNECT in MQTT 5 and 3.1.1, and bad credentials named by their CONNACK code.
import assert from 'node:assert/strict'
import {execFileSync, spawn} from 'node:child_process'
import {chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {connect as netConnect} from 'node:net'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'

import {mqttSession, type MqttOptions} from '../../src/cloud/mqtt-link.js'
import {tcpConnect} from '../../src/cloud/tcp.js'
import {tlsHandshake} from '../../src/cloud/tls-probe.js'
import {freePort, makeCert} from '../cloud/http-daemons.js'

describe('link mqtt step against mosquitto (wss, password file)', () => {
  let dir: string
  let port: number
  let ca: string
  let pid: number
  let exited: Promise<number | null>

  before(async () => {
    dir = mkdtempSync('/tmp/nc-link-mosquitto.')
    ;({cert: ca} = makeCert(dir))
    port = await freePort()
    execFileSync('mosquitto_passwd', ['-c', '-b', join(dir, 'passwd'), 'agent', 's3cret-mqtt'])
    mkdirSync(join(dir, 'run'))
    writeFileSync(
      join(dir, 'mosquitto.conf'),
      [
        'per_listener_settings false',
        'allow_anonymous false',
        `password_file ${join(dir, 'passwd')}`,
        'persistence false',
        'log_dest stderr',
        `listener 0 ${join(dir, 'run/mosq.sock')}`, // mosquitto needs one non-websockets listener
        `listener ${port} 127.0.0.1`,
        'socket_domain ipv4',
        'protocol websockets',
        'certfile server.crt',
        'keyfile server.key',
        '',
      ].join('\n'),
    )
    const uid = Number(execFileSync('id', ['-u', 'mosquitto'], {encoding: 'utf8'}).trim())
    const gid = Number(execFileSync('id', ['-g', 'mosquitto'], {encoding: 'utf8'}).trim())
    for (const p of [dir, join(dir, 'run'), join(dir, 'passwd'), join(dir, 'server.key')]) chownSync(p, uid, gid)
    chmodSync(join(dir, 'passwd'), 0o600)
    const child = spawn('/usr/sbin/mosquitto', ['-c', join(dir, 'mosquitto.conf')], {cwd: dir, stdio: 'ignore'})
    pid = child.pid!
    exited = new Promise(resolve => child.once('exit', resolve))
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>(resolve => {
        const s = netConnect(port, '127.0.0.1', () => {
          s.destroy()
          resolve(true)
        })
        s.once('error', () => resolve(false))
      })
      if (up) return
      await sleep(50)
    }

    throw new Error('mosquitto did not start')
  })

  after(async () => {
    if (pid) {
      process.kill(pid, 'SIGTERM')
      assert.equal(await exited, 0)
    }

    rmSync(dir, {force: true, recursive: true})
  })

  async function session(o: Partial<MqttOptions>) {
    const {signal} = new AbortController()
    const {socket} = await tcpConnect('127.0.0.1', port, 3000, signal)
    assert.ok(socket)
    const t = await tlsHandshake(socket, 'localhost', {
      extraCa: [ca],
      insecure: false,
      signal,
      timeoutMs: 3000,
    })
    assert.ok(t.ok && t.socket, t.error ?? t.verifyError)
    return mqttSession(t.socket, {
      clientId: 'link-test',
      host: 'localhost',
      password: 's3cret-mqtt',
      port,
      protocol: '5',
      signal,
      stopBeforeConnect: false,
      subscribeTopic: '/agent/link-test/inbound/cmd',
      timeoutMs: 5000,
      topicAliasMaximum: true,
      username: 'agent',
      ...o,
    })
  }

  test('MQTT 5: upgrade 101, CONNACK 0, SUBACK qos 1, PINGRESP, DISCONNECT', async () => {
    const p = await session({})
    assert.equal(p.ok, true, p.detail)
    assert.equal(p.upgradeStatus, 101)
    assert.equal(p.connack, 0)
    assert.deepEqual(p.granted, [1])
    assert.equal(typeof p.pingMs, 'number')
    assert.equal(p.serverProperties?.topicAliasMaximum, 10) // mosquitto's own CONNACK property
  })

  test('MQTT 3.1.1 session passes too', async () => {
    const p = await session({protocol: '3.1.1'})
    assert.equal(p.ok, true, p.detail)
    assert.deepEqual(p.granted, [1])
  })

  test('wrong password, MQTT 5: CONNACK 0x87 Not authorized, named as rejected credentials', async () => {
    const p = await session({password: 'wrong'})
    assert.equal(p.ok, false)
    assert.equal(p.connack, 0x87)
    assert.equal(p.credentials, true)
    assert.match(p.detail, /CONNACK 0x87 Not authorized: the broker rejected the credentials/)
  })

  test('wrong password, MQTT 3.1.1: CONNACK 5 not authorized', async () => {
    const p = await session({password: 'wrong', protocol: '3.1.1'})
    assert.equal(p.connack, 5)
    assert.equal(p.credentials, true)
    assert.match(p.detail, /CONNACK 5 not authorized/)
  })

  test('stop before CONNECT: only the upgrade is done', async () => {
    const p = await session({stopBeforeConnect: true})
    assert.equal(p.ok, true)
    assert.equal(p.connack, undefined)
    assert.match(p.detail, /stopped before MQTT CONNECT/)
  })
})
