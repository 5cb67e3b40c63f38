// What the emulator saw, for tests and for the foreground log: every HTTP request, every claim attempt, every MQTT
// connection with its events. Nothing secret is recorded (no token, no password, no challenge secret).

import {EventEmitter} from 'node:events'

import type {Endpoint} from './faults.js'

export interface RequestRecord {
  at: string
  method: string
  /** path and query as received (claim ids are not secret) */
  path: string
  endpoint?: Endpoint
  status?: number
  /** the fault that shaped the answer, as given (e.g. `slow:2000@env`) */
  faults: string[]
  ms?: number
  /** the Cloud error key of the answer, when there was one */
  errorMsgKey?: string
}

export interface ClaimRecord {
  at: string
  claimId: string
  hostname?: string
  rooms?: string[]
  status: number
  errorMsgKey?: string
}

export interface MqttPublishRecord {
  topic: string
  qos: number
  retain: boolean
  payload: Buffer
}

export interface MqttConnectionRecord {
  id: number
  at: string
  remote: string
  /** the WebSocket subprotocol the client offered */
  subprotocols: string[]
  protocolVersion?: number
  clientId?: string
  username?: string
  keepalive?: number
  clean?: boolean
  connectProperties?: Record<string, unknown>
  will?: {topic: string; qos: number; retain: boolean; payload: Buffer}
  /** the CONNACK code sent (MQTT 5 reason code, or the 3.1.1 return code) */
  connack?: number
  subscriptions: {topic: string; qos: number}[]
  /** the first publishes (at most 50), topic aliases resolved */
  publishes: MqttPublishRecord[]
  pings: number
  /** how it ended: the client's DISCONNECT (with its reason code on MQTT 5), the socket closing, or the emulator */
  disconnect?: {by: 'client-disconnect' | 'emulator' | 'socket-closed'; reasonCode?: number; at: string}
}

/** What the emulated Cloud knows of one node (claim id), as `emulator` shows it. */
export interface NodeRecord {
  claimId: string
  hostname?: string
  claimed: boolean
  /** an MQTT session with CONNACK 0 is open now */
  connected: boolean
  /** MQTT sessions that got CONNACK 0 */
  sessions: number
  /** the node id given in CreateNodeInstanceResult */
  nodeId?: string
  machineGuid?: string
  /** the agent's last UpdateAgentConnection said reachable */
  reachable?: boolean
  lastMessage?: {topic: string; bytes: number; at: string}
}

export type EmulatorEventName =
  | 'claimed'
  | 'connected'
  | 'disconnected'
  | 'agent-connection'
  | 'send-node-instances'
  | 'create-node-instance'
  | 'node-instance-connection'

/** One line of `emulator --json` after the start line: what happened to a node. */
export interface EmulatorEvent {
  at: string
  event: EmulatorEventName
  claimId: string
  detail?: Record<string, unknown>
}

// node's EventEmitter: on/off/once with types, no DOM events needed
// eslint-disable-next-line unicorn/prefer-event-target
export class EmulatorRecords extends EventEmitter {
  readonly requests: RequestRecord[] = []
  readonly claims: ClaimRecord[] = []
  readonly connections: MqttConnectionRecord[] = []
  readonly nodes = new Map<string, NodeRecord>()
  readonly events: EmulatorEvent[] = []

  /** The node record for a claim id (created on first use, not claimed). */
  node(claimId: string): NodeRecord {
    const key = claimId.toLowerCase()
    let n = this.nodes.get(key)
    if (!n) {
      n = {claimId: key, claimed: false, connected: false, sessions: 0}
      this.nodes.set(key, n)
    }

    return n
  }

  /** Record an event and tell the listeners of 'event'. */
  event(event: EmulatorEventName, claimId: string, detail?: Record<string, unknown>): void {
    const e: EmulatorEvent = {
      at: new Date().toISOString(),
      event,
      claimId: claimId.toLowerCase(),
      ...(detail ? {detail} : {}),
    }
    if (this.events.length < 10_000) this.events.push(e)
    this.emit('event', e)
    this.changed()
  }

  /** Resolves with the first record (past or future) that matches, or rejects after timeoutMs. */
  waitFor<K extends 'claims' | 'connections' | 'events' | 'requests'>(
    kind: K,
    match: (r: EmulatorRecords[K][number]) => boolean,
    timeoutMs = 5000,
  ): Promise<EmulatorRecords[K][number]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = (this[kind] as EmulatorRecords[K][number][]).find(r => match(r))
        if (found) {
          clearTimeout(timer)
          this.off('change', check)
          resolve(found)
        }
      }

      const timer = setTimeout(() => {
        this.off('change', check)
        reject(new Error(`no matching ${kind} record within ${timeoutMs} ms`))
      }, timeoutMs)
      this.on('change', check)
      check()
    })
  }

  changed(): void {
    this.emit('change')
  }

  clear(): void {
    this.requests.length = 0
    this.claims.length = 0
    this.connections.length = 0
    this.events.length = 0
    this.nodes.clear()
  }
}
