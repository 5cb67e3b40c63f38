// The MQTT leg (netdata-facts.md §5.4): WebSocket upgrade to /mqtt with subprotocol `mqtt` on a TLS connection we
// already opened (through the proxy when there is one), then mqtt.js: CONNECT (v5 or 3.1.1 by era) with the issued
// credentials, SUBSCRIBE to the inbox, PINGREQ/PINGRESP, clean DISCONNECT. It publishes nothing, and sends no will,
// so nothing about the node changes in Cloud even if the connection drops half-way.

import {causeById, fixForConnack} from './causes.js'
import type {TLSSocket} from 'node:tls'

export type MqttStage = 'connect' | 'disconnect' | 'ping' | 'subscribe' | 'upgrade'

export interface MqttProbe {
  ok: boolean
  /** the stage that failed, or the last one done */
  stage: MqttStage
  upgradeStatus?: number
  connack?: number
  /** server CONNACK properties worth showing (v5) */
  serverProperties?: Record<string, unknown>
  granted?: number[]
  pingMs?: number
  /**
   * after CONNACK 0 the broker ended this session with DISCONNECT 0x8E (session taken over): another client with the
   * same client id connected (with --take-over: the running agent, reconnecting at once)
   */
  takenOver?: boolean
  detail: string
  fix?: string
  /** the failure is a credentials problem (0x86, 0x87, 4, 5) */
  credentials?: boolean
  exchanges: number
}

const CONNACK_V5: Record<number, string> = {
  0x80: 'Unspecified error',
  0x81: 'Malformed Packet',
  0x82: 'Protocol Error',
  0x83: 'Implementation specific error',
  0x84: 'Unsupported Protocol Version',
  0x85: 'Client Identifier not valid',
  0x86: 'Bad User Name or Password',
  0x87: 'Not authorized',
  0x88: 'Server unavailable',
  0x89: 'Server busy',
  0x8a: 'Banned',
  0x8c: 'Bad authentication method',
  0x90: 'Topic Name invalid',
  0x95: 'Packet too large',
  0x97: 'Quota exceeded',
  0x99: 'Payload format invalid',
  0x9a: 'Retain not supported',
  0x9b: 'QoS not supported',
  0x9c: 'Use another server',
  0x9d: 'Server moved',
  0x9f: 'Connection rate exceeded',
}
const CONNACK_V3: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
}

export function connackName(code: number, protocol: '3.1.1' | '5'): string {
  const hex = `0x${code.toString(16).padStart(2, '0')}`
  if (protocol === '5' && code < 0x80 && code > 0)
    return `${hex} (a 3.1.1-format refusal: the server does not speak MQTT 5)`
  const name = protocol === '5' ? CONNACK_V5[code] : CONNACK_V3[code]
  return `${protocol === '5' ? hex : String(code)} ${name ?? 'unknown reason'}`
}

export function isCredentialsRejection(code: number, protocol: '3.1.1' | '5'): boolean {
  return protocol === '5' ? code === 0x86 || code === 0x87 : code === 4 || code === 5
}

/** how long the session is held open after SUBACK before the PING, to catch a broker that drops it */
export const HOLD_MS = 100

export interface MqttOptions {
  holdMs?: number
  host: string
  port: number
  protocol: '3.1.1' | '5'
  /** send Topic Alias Maximum 65535 (v1.38+) */
  topicAliasMaximum: boolean
  clientId: string
  username: string
  password: string
  subscribeTopic?: string
  /** do the upgrade, then stop before CONNECT (the running agent holds the session) */
  stopBeforeConnect: boolean
  timeoutMs: number
  signal: AbortSignal
  onStage?: (stage: MqttStage) => void
}

export async function mqttSession(socket: TLSSocket, o: MqttOptions): Promise<MqttProbe> {
  const [{WebSocket, createWebSocketStream}, {MqttClient}] = await Promise.all([import('ws'), import('mqtt')])
  let exchanges = 0
  o.onStage?.('upgrade')
  const ws = new WebSocket(`wss://${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}/mqtt`, ['mqtt'], {
    createConnection() {
      // the HTTP leg paused it between requests; the WebSocket's HTTP client attaches its own reader
      socket.resume()
      return socket
    },
    handshakeTimeout: o.timeoutMs,
    perMessageDeflate: false,
  })
  const abort = () => ws.terminate()
  o.signal.addEventListener('abort', abort, {once: true})
  const upgrade = await new Promise<{ok: boolean; status?: number; error?: string}>(resolve => {
    ws.once('open', () => resolve({ok: true, status: 101}))
    ws.once('unexpected-response', (_req, res) => {
      resolve({ok: false, status: res.statusCode})
      res.resume()
      ws.terminate()
    })
    ws.once('error', e => resolve({error: e.message, ok: false}))
  })
  exchanges++
  if (!upgrade.ok) {
    o.signal.removeEventListener('abort', abort)
    const {status} = upgrade
    return {
      detail: status
        ? `WebSocket upgrade of /mqtt refused: HTTP ${status} (expected 101)`
        : `WebSocket upgrade of /mqtt failed: ${upgrade.error}`,
      exchanges,
      fix: status ? causeById('ws-upgrade').fix : 'check the MQTT endpoint host and port from /env',
      ok: false,
      stage: 'upgrade',
      upgradeStatus: status,
    }
  }

  if (o.stopBeforeConnect) {
    ws.close(1000)
    o.signal.removeEventListener('abort', abort)
    return {
      detail: 'WebSocket upgrade 101 OK; stopped before MQTT CONNECT',
      exchanges,
      ok: true,
      stage: 'upgrade',
      upgradeStatus: 101,
    }
  }

  const stream = createWebSocketStream(ws)
  stream.on('error', () => {})
  o.onStage?.('connect')
  const client = new MqttClient(() => stream as any, {
    clean: true,
    clientId: o.clientId,
    connectTimeout: o.timeoutMs,
    keepalive: 60,
    password: o.password,
    properties: o.protocol === '5' && o.topicAliasMaximum ? {topicAliasMaximum: 65_535} : undefined,
    protocolVersion: o.protocol === '5' ? 5 : 4,
    reconnectPeriod: 0,
    username: o.username,
  })
  const stop = () => {
    client.end(true)
    ws.terminate()
  }

  o.signal.removeEventListener('abort', abort)
  o.signal.addEventListener('abort', stop, {once: true})
  let takenOverAfterConnack = false
  try {
    const connack = await new Promise<{code: number; properties?: Record<string, unknown>; error?: string}>(resolve => {
      client.once('connect', (p: any) => resolve({code: p.reasonCode ?? p.returnCode ?? 0, properties: p.properties}))
      client.once('error', (e: any) =>
        resolve(typeof e?.code === 'number' ? {code: e.code} : {code: -1, error: e?.message ?? String(e)}),
      )
      client.once('close', () => resolve({code: -1, error: 'the connection closed before CONNACK'}))
    })
    exchanges++
    if (connack.code !== 0) {
      stop()
      if (connack.code === -1)
        return {
          detail: `no CONNACK: ${connack.error}`,
          exchanges,
          fix: 'the broker dropped the connection: check the MQTT endpoint and any proxy in the way',
          ok: false,
          stage: 'connect',
          upgradeStatus: 101,
        }
      const credentials = isCredentialsRejection(connack.code, o.protocol)
      return {
        connack: connack.code,
        credentials,
        detail: `CONNACK ${connackName(connack.code, o.protocol)}${credentials ? ': the broker rejected the credentials from /password' : ''}`,
        exchanges,
        fix: fixForConnack(connack.code, o.protocol) ?? 'see the CONNACK reason; try again later',
        ok: false,
        stage: 'connect',
        upgradeStatus: 101,
      }
    }

    const props = connack.properties ?? {}
    let granted: number[] | undefined
    // a DISCONNECT 0x8E ends the walk at once: the broker may keep the socket open a while after it, and waiting for
    // the close (or a PINGRESP that never comes) turned a take-over into a 5 s mqtt timeout under load
    let tookOver: (() => void) | undefined
    client.on('packetreceive', (p: {cmd: string; reasonCode?: number}) => {
      if (p.cmd === 'disconnect' && p.reasonCode === 0x8e) {
        takenOverAfterConnack = true
        tookOver?.()
      }
    })
    if (o.subscribeTopic) {
      o.onStage?.('subscribe')
      const subs = await Promise.race([
        client.subscribeAsync(o.subscribeTopic, {qos: 1}),
        new Promise<never>((_, reject) => {
          tookOver = () => reject(new Error('DISCONNECT 0x8E (session taken over) before SUBACK'))
          if (takenOverAfterConnack) tookOver()
        }),
      ])
      exchanges++
      granted = subs.map(s => s.qos)
      if (granted.some(q => q >= 0x80)) {
        stop()
        return {
          connack: 0,
          detail: `SUBSCRIBE to the inbox refused (reason ${granted.join(',')})`,
          exchanges,
          fix: 'the broker does not let this client read its inbox: re-claim the node',
          granted,
          ok: false,
          stage: 'subscribe',
        }
      }
    }

    // stay connected a moment: a broker that accepts and then drops the session (ACLs, a DisconnectReq) shows here
    if (!client.connected) throw new Error('the broker closed the connection after CONNACK')
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('close', onClose)
        resolve()
      }, o.holdMs ?? HOLD_MS)
      const onClose = () => {
        clearTimeout(timer)
        reject(new Error(`the broker closed the connection ${o.holdMs ?? HOLD_MS} ms or less after CONNACK`))
      }

      tookOver = () => {
        clearTimeout(timer)
        reject(new Error('DISCONNECT 0x8E (session taken over)'))
      }

      if (takenOverAfterConnack) tookOver()
      client.once('close', onClose)
    })
    o.onStage?.('ping')
    const pingStarted = Date.now()
    await new Promise<void>((resolve, reject) => {
      const onPacket = (p: {cmd: string}) => {
        if (p.cmd === 'pingresp') {
          client.off('packetreceive', onPacket)
          resolve()
        }
      }

      client.on('packetreceive', onPacket)
      client.once('close', () => reject(new Error('the connection closed before PINGRESP')))
      tookOver = () => reject(new Error('DISCONNECT 0x8E (session taken over) before PINGRESP'))
      if (takenOverAfterConnack) tookOver()
      client.sendPing()
    })
    exchanges++
    const pingMs = Date.now() - pingStarted
    o.onStage?.('disconnect')
    await client.endAsync()
    ws.close(1000)
    const shown = Object.fromEntries(
      Object.entries(props).filter(([k]) =>
        ['maximumPacketSize', 'receiveMaximum', 'serverKeepAlive', 'topicAliasMaximum'].includes(k),
      ),
    )
    return {
      connack: 0,
      detail: '',
      exchanges,
      granted,
      ok: true,
      pingMs,
      serverProperties: shown,
      stage: 'disconnect',
      upgradeStatus: 101,
    }
  } catch (error) {
    stop()
    if (takenOverAfterConnack)
      return {
        connack: 0,
        detail: `CONNACK 0, then DISCONNECT 0x8E (session taken over) before PINGRESP: another client with this client id connected`,
        exchanges,
        ok: true,
        stage: 'ping',
        takenOver: true,
        upgradeStatus: 101,
      }
    return {
      detail: `MQTT session failed after CONNACK 0: ${(error as Error).message}`,
      exchanges,
      fix: 'the broker accepts the credentials but drops the session: check for a DisconnectReq in the agent log, or a proxy that cuts WebSockets',
      ok: false,
      stage: 'ping',
    }
  } finally {
    o.signal.removeEventListener('abort', stop)
  }
}
