// A small MQTT broker for one Cloud: MQTT 5 and 3.1.1 on mqtt-packet (aedes 1.2 refuses MQTT 5: shared/mqtt.md).
// It accepts only the credentials /password issued, records what each client does, and answers SUBSCRIBE, PUBLISH
// (QoS 0/1/2), PINGREQ and DISCONNECT. It routes nothing between clients: the Cloud side is the emulator itself.

import mqttPacket, {type IConnectPacket, type Packet} from 'mqtt-packet'
import type {WebSocket} from 'ws'

import {randomUUID} from 'node:crypto'

import type {EmulatorContext} from './context.js'
import type {MqttConnectionRecord} from './records.js'

const CONNECT_TIMEOUT_MS = 10_000
const MAX_RECORDED_PUBLISHES = 50
const TOPIC_ALIAS_MAXIMUM = 16
const FLOOD_LIMIT_BYTES = 1 << 30

/** MQTT 5 reason code → MQTT 3.1.1 CONNACK return code. */
function v3ReturnCode(reasonCode: number): number {
  const map: Record<number, number> = {
    0: 0,
    0x84: 1,
    0x85: 2,
    0x88: 3,
    0x89: 3,
    0x86: 4,
    0x87: 5,
    0x8c: 5,
  }
  return map[reasonCode] ?? (reasonCode > 0 && reasonCode <= 5 ? reasonCode : 5)
}

interface Session {
  ws: WebSocket
  record: MqttConnectionRecord
  version: number
  aliases: Map<number, string>
  timers: Set<NodeJS.Timeout>
  /** SendNodeInstances went out on this session */
  askedForNodes: boolean
}

export class MqttBroker {
  private readonly sessions = new Set<Session>()
  private nextId = 1

  constructor(private readonly ctx: EmulatorContext) {}

  handle(ws: WebSocket, remote: string, subprotocols: string[]): void {
    const record: MqttConnectionRecord = {
      id: this.nextId++,
      at: new Date().toISOString(),
      remote,
      subprotocols,
      subscriptions: [],
      publishes: [],
      pings: 0,
    }
    this.ctx.records.connections.push(record)
    this.ctx.records.changed()
    const session: Session = {
      ws,
      record,
      version: 4,
      aliases: new Map(),
      timers: new Set(),
      askedForNodes: false,
    }
    this.sessions.add(session)
    // the parser needs the version CONNECT announced to read what follows (set from its 'packet' handler)
    const settings = {protocolVersion: 4}
    const parser = mqttPacket.parser(settings)
    let keepAlive: NodeJS.Timeout | undefined
    const connectTimer = this.timer(session, CONNECT_TIMEOUT_MS, () => this.drop(session, 'no CONNECT within 10 s'))

    parser.on('packet', (packet: Packet) => {
      if (keepAlive) keepAlive.refresh()
      if (this.ctx.verbose) this.ctx.log(`mqtt #${record.id}: ← ${describePacket(packet, session.aliases)}`)
      if (packet.cmd === 'connect') {
        clearTimeout(connectTimer)
        settings.protocolVersion = packet.protocolVersion ?? 4
        const ka = packet.keepalive ?? 0
        // the broker drops a client silent for 1.5 × keep-alive (MQTT §3.1.2.10)
        if (ka > 0) keepAlive = this.timer(session, ka * 1500, () => this.drop(session, 'keep-alive expired'))
        this.onConnect(session, packet)
      } else if (record.connack === 0) this.onPacket(session, packet)
      else this.drop(session, `${packet.cmd} before a successful CONNECT`)
    })
    parser.on('error', (error: Error) => this.drop(session, `malformed MQTT: ${error.message}`))
    ws.on('message', (data: Buffer) => parser.parse(data))
    ws.on('error', () => {})
    ws.on('close', () => {
      for (const t of session.timers) clearTimeout(t)
      this.sessions.delete(session)
      if (!record.disconnect) record.disconnect = {by: 'socket-closed', at: new Date().toISOString()}
      if (record.connack === 0 && record.clientId) {
        const node = this.ctx.records.node(record.clientId)
        node.connected = [...this.sessions].some(s => s.record.clientId === record.clientId && s.record.connack === 0)
        this.ctx.records.event('disconnected', record.clientId, {
          session: record.id,
          by: record.disconnect.by,
          ...(record.disconnect.reasonCode === undefined ? {} : {reasonCode: record.disconnect.reasonCode}),
        })
      }

      this.ctx.records.changed()
    })
  }

  /** Send a PUBLISH to the connected client(s) with this client id (for tests: inbound Cloud messages). */
  publish(clientId: string, topic: string, payload: Buffer | string, qos: 0 | 1 = 1): boolean {
    let sent = false
    for (const s of this.sessions)
      if (s.record.clientId === clientId && s.record.connack === 0) {
        this.send(s, {
          cmd: 'publish',
          topic,
          payload,
          qos,
          retain: false,
          dup: false,
          ...(qos > 0 ? {messageId: 1 + Math.floor(Math.random() * 65_000)} : {}),
        })
        sent = true
      }

    return sent
  }

  closeAll(): void {
    for (const s of this.sessions) {
      for (const t of s.timers) clearTimeout(t)
      if (!s.record.disconnect) s.record.disconnect = {by: 'emulator', at: new Date().toISOString()}
      s.ws.terminate()
    }

    this.sessions.clear()
  }

  private timer(session: Session, ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      session.timers.delete(t)
      fn()
    }, ms)
    session.timers.add(t)
    return t
  }

  private send(session: Session, packet: Packet): void {
    if (this.ctx.verbose) this.ctx.log(`mqtt #${session.record.id}: → ${describePacket(packet)}`)
    if (session.ws.readyState === session.ws.OPEN)
      session.ws.send(mqttPacket.generate(packet, {protocolVersion: session.version}))
  }

  private drop(session: Session, why: string): void {
    if (!session.record.disconnect) session.record.disconnect = {by: 'emulator', at: new Date().toISOString()}
    this.ctx.log(`mqtt #${session.record.id}: closed by the emulator: ${why}`)
    session.ws.terminate()
  }

  private connack(session: Session, reasonCode: number): void {
    const v5 = session.version === 5
    session.record.connack = v5 ? reasonCode : v3ReturnCode(reasonCode)
    this.ctx.records.changed()
    this.send(
      session,
      v5
        ? {
            cmd: 'connack',
            sessionPresent: false,
            reasonCode,
            ...(reasonCode === 0 ? {properties: {topicAliasMaximum: TOPIC_ALIAS_MAXIMUM}} : {}),
          }
        : {cmd: 'connack', sessionPresent: false, returnCode: v3ReturnCode(reasonCode)},
    )
  }

  private onConnect(session: Session, packet: IConnectPacket): void {
    const {record} = session
    session.version = packet.protocolVersion ?? 4
    Object.assign(record, {
      protocolVersion: session.version,
      clientId: packet.clientId,
      ...(packet.username === undefined ? {} : {username: packet.username}),
      keepalive: packet.keepalive,
      clean: packet.clean,
      ...(packet.properties ? {connectProperties: {...packet.properties}} : {}),
      ...(packet.will
        ? {
            will: {
              topic: packet.will.topic,
              qos: packet.will.qos ?? 0,
              retain: packet.will.retain ?? false,
              payload: Buffer.from(packet.will.payload),
            },
          }
        : {}),
    })
    const faults = this.ctx.faults()
    const stall = faults.at('mqtt', 'stall')
    if (stall) {
      this.ctx.log(`mqtt #${record.id}: CONNECT from ${packet.clientId}, never answered (${stall.spec})`)
      return
    }

    const slow = faults.at('mqtt', 'slow')
    const answer = () => this.answerConnect(session, packet)
    if (slow) this.timer(session, slow.arg ?? 0, answer)
    else answer()
  }

  private answerConnect(session: Session, packet: IConnectPacket): void {
    const {record} = session
    const faults = this.ctx.faults()
    const refused = faults.at('mqtt', 'connack-refused')
    const issued = packet.username === undefined ? undefined : this.ctx.otp.credentials.get(packet.username)
    let code = 0
    if (refused) code = refused.arg ?? 0x87
    else if (
      !issued ||
      packet.password === undefined ||
      !Buffer.from(issued.password).equals(Buffer.from(packet.password))
    )
      code = 0x86
    else if (issued.clientId !== packet.clientId) code = 0x85

    this.ctx.log(
      `mqtt #${record.id}: CONNECT v${session.version === 5 ? 5 : '3.1.1'} client ${packet.clientId} → CONNACK ${session.version === 5 ? `0x${code.toString(16)}` : v3ReturnCode(code)}${refused ? ` (${refused.spec})` : ''}`,
    )
    if (code !== 0) {
      this.connack(session, code)
      // the reason code first, then the close (MQTT 5 §3.2.2.2: the server closes after a refusal)
      this.timer(session, 50, () => session.ws.close())
      return
    }

    // a second session with the same client id takes over (MQTT §3.1.4): the older one is disconnected
    for (const other of this.sessions)
      if (other !== session && other.record.clientId === packet.clientId && other.record.connack === 0) {
        if (other.version === 5) this.send(other, {cmd: 'disconnect', reasonCode: 0x8e})
        this.drop(other, 'session taken over by a new connection with the same client id')
      }

    this.connack(session, 0)
    if (packet.clientId) {
      const node = this.ctx.records.node(packet.clientId)
      node.connected = true
      node.sessions++
      this.ctx.records.event('connected', packet.clientId, {session: record.id, mqtt: session.version})
    }

    const drop = faults.at('mqtt', 'drop-after-connect')
    if (drop) this.timer(session, 20, () => this.drop(session, drop.spec))
    else if (faults.at('mqtt', 'flood')) this.flood(session)
  }

  private flood(session: Session): void {
    const payload = Buffer.alloc(64 * 1024, 0x41)
    const topic = `/agent/${session.record.clientId}/inbound/v1/flood`
    let sent = 0
    const pump = () => {
      while (session.ws.readyState === session.ws.OPEN && sent < FLOOD_LIMIT_BYTES) {
        session.ws.send(
          mqttPacket.generate(
            {
              cmd: 'publish',
              topic,
              payload,
              qos: 0,
              retain: false,
              dup: false,
            },
            {protocolVersion: session.version},
          ),
        )
        sent += payload.length
        if (session.ws.bufferedAmount > 1 << 20) {
          this.timer(session, 5, pump)
          return
        }
      }
    }

    pump()
  }

  private inbound(session: Session, type: string, payload: Buffer): void {
    const id = session.record.clientId ?? ''
    this.send(session, {
      cmd: 'publish',
      topic: `/agent/${id}/inbound/v1/${type}`,
      payload,
      qos: 1,
      retain: false,
      dup: false,
      messageId: 1 + Math.floor(Math.random() * 65_000),
    })
  }

  private sendNodeInstances(session: Session): void {
    const id = session.record.clientId ?? ''
    this.inbound(session, 'SendNodeInstances', this.ctx.aclk.encodeSendNodeInstances(id))
    this.ctx.records.event('send-node-instances', id, {session: session.record.id})
  }

  /** What Cloud does with the agent's messages: node ids for create-node-instance, state for the rest. */
  private onAgentMessage(session: Session, topic: string, payload: Buffer): void {
    const id = session.record.clientId
    if (!id) return
    const node = this.ctx.records.node(id)
    node.lastMessage = {topic, bytes: payload.length, at: new Date().toISOString()}
    const type = topic.slice(topic.lastIndexOf('/') + 1)
    try {
      switch (type) {
        case 'agent-connection': {
          const m = this.ctx.aclk.decodeAgentConnection(payload)
          node.reachable = m.reachable
          this.ctx.records.event('agent-connection', id, {reachable: m.reachable, updateSource: m.updateSource})

          break
        }

        case 'create-node-instance': {
          const m = this.ctx.aclk.decodeCreateNodeInstance(payload)
          const saved = this.ctx.state.node(id)
          // one node id per claim id and machine GUID, kept across sessions (and in state.json)
          const nodeId =
            (saved?.nodeId && saved.nodeIdFor === m.machineGuid ? saved.nodeId : undefined) ??
            (node.machineGuid === m.machineGuid ? node.nodeId : undefined) ??
            randomUUID()
          Object.assign(node, {machineGuid: m.machineGuid, nodeId, ...(m.hostname ? {hostname: m.hostname} : {})})
          if (saved && saved.nodeId !== nodeId)
            this.ctx.state
              .saveNode({...saved, nodeId, nodeIdFor: m.machineGuid})
              .catch((error: Error) => this.ctx.log(`cannot save state: ${error.message}`))
          this.inbound(
            session,
            'CreateNodeInstanceResult',
            this.ctx.aclk.encodeCreateNodeInstanceResult(nodeId, m.machineGuid),
          )
          this.ctx.log(`node ${id}: create-node-instance (${m.hostname}, machine ${m.machineGuid}) → node id ${nodeId}`)
          this.ctx.records.event('create-node-instance', id, {
            hostname: m.hostname,
            machineGuid: m.machineGuid,
            nodeId,
          })

          break
        }

        case 'node-instance-connection': {
          const m = this.ctx.aclk.decodeNodeInstanceConnection(payload)
          this.ctx.records.event('node-instance-connection', id, {
            nodeId: m.nodeId,
            liveness: m.liveness,
            queryable: m.queryable,
          })

          break
        }
        // No default
      }
    } catch (error) {
      this.ctx.log(
        `mqtt #${session.record.id}: cannot decode ${type} (${payload.length} bytes): ${(error as Error).message}`,
      )
    }
  }

  private onPacket(session: Session, packet: Packet): void {
    const {record} = session
    switch (packet.cmd) {
      case 'subscribe': {
        for (const s of packet.subscriptions) record.subscriptions.push({topic: s.topic, qos: s.qos})
        this.send(session, {cmd: 'suback', messageId: packet.messageId, granted: packet.subscriptions.map(s => s.qos)})
        // Cloud asks a connected agent for its nodes; v1.44 sends create-node-instance only after this
        if (!session.askedForNodes && packet.subscriptions.some(s => s.topic.endsWith('/inbound/v1/+'))) {
          session.askedForNodes = true
          this.sendNodeInstances(session)
        }

        break
      }

      case 'publish': {
        const alias = packet.properties?.topicAlias
        let {topic} = packet
        if (alias !== undefined) {
          if (topic) session.aliases.set(alias, topic)
          else topic = session.aliases.get(alias) ?? ''
        }

        if (record.publishes.length < MAX_RECORDED_PUBLISHES)
          record.publishes.push({
            topic,
            qos: packet.qos,
            retain: packet.retain,
            payload: Buffer.from(packet.payload),
          })
        if (packet.qos === 1) this.send(session, {cmd: 'puback', messageId: packet.messageId})
        if (packet.qos === 2) this.send(session, {cmd: 'pubrec', messageId: packet.messageId})
        this.onAgentMessage(session, topic, Buffer.from(packet.payload))
        break
      }

      case 'pubrel': {
        this.send(session, {cmd: 'pubcomp', messageId: packet.messageId})
        break
      }

      case 'pingreq': {
        record.pings++
        this.send(session, {cmd: 'pingresp'})
        break
      }

      case 'disconnect': {
        record.disconnect = {
          by: 'client-disconnect',
          at: new Date().toISOString(),
          ...(packet.reasonCode === undefined ? {} : {reasonCode: packet.reasonCode}),
        }
        session.ws.close()
        break
      }

      default: {
        break
      }
    }

    this.ctx.records.changed()
  }
}

/** One line per MQTT packet for --verbose: its type and what identifies it (never a password or payload). */
export function describePacket(packet: Packet, aliases?: Map<number, string>): string {
  switch (packet.cmd) {
    case 'connect': {
      return `CONNECT v${packet.protocolVersion} client ${packet.clientId} keepalive ${packet.keepalive}${packet.will ? ` will ${packet.will.topic}` : ''}`
    }

    case 'connack': {
      return `CONNACK ${packet.reasonCode ?? packet.returnCode}`
    }

    case 'subscribe': {
      return `SUBSCRIBE ${packet.subscriptions.map(s => `${s.topic} (QoS ${s.qos})`).join(', ')}`
    }

    case 'publish': {
      const alias = packet.properties?.topicAlias
      const topic = packet.topic || (alias === undefined ? '' : (aliases?.get(alias) ?? `alias ${alias}`))
      const size = typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length
      return `PUBLISH ${topic} QoS ${packet.qos} ${size} bytes${alias === undefined ? '' : ` (topic alias ${alias})`}`
    }

    case 'disconnect': {
      return `DISCONNECT${packet.reasonCode === undefined ? '' : ` reason ${packet.reasonCode}`}`
    }

    default: {
      return packet.cmd.toUpperCase()
    }
  }
}
