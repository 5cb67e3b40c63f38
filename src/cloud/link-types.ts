// The link walk's vocabulary: a Step is one object {id, title, needs, run}; the runner (link-runner.ts) orders,
// times and skips them; the UI and the JSON follow the records. Adding a step = adding one object.

import type {Duplex} from 'node:stream'
import type {TLSSocket} from 'node:tls'

import type {ErrorCode} from '../base/errors.js'
import type {Version} from '../base/version.js'
import type {ProxySpec} from './proxy.js'

export type StepId = 'agent' | 'challenge' | 'dns' | 'env' | 'mqtt' | 'proxy' | 'settings' | 'tcp' | 'tls'
export const STEP_IDS: StepId[] = ['settings', 'dns', 'tcp', 'proxy', 'tls', 'env', 'challenge', 'mqtt', 'agent']

export type StepStatus = 'FAIL' | 'PASS' | 'SKIP' | 'WARN'

export interface StepResult {
  status: StepStatus
  /** what was checked: host:port, a file, a URL */
  target?: string
  /** what a person needs to read; one or a few short clauses */
  detail: string
  /** one line: how to fix it (FAIL and WARN) */
  fix?: string
  /** a doc, file:line or Cloud error key that backs the detail */
  ref?: string
  /** the failure class (errors.ts) of a FAIL; decides the exit status */
  code?: ErrorCode
  /** SKIP because this era has no such step: the steps that need it still run (e.g. /env before v1.31) */
  notApplicable?: boolean
}

export interface StepRecord extends StepResult {
  id: StepId
  title: string
  target: string
  ms: number
}

export interface Step {
  id: StepId
  title: string
  /** steps whose success this one needs; when one did not PASS/WARN this one is SKIP */
  needs: StepId[]
  /** the failure class when the step runs out of time (default: timeout) */
  timeoutCode?: ErrorCode
  /** what this step talks to, shown even when it is skipped */
  target(ctx: LinkContext): string
  run(ctx: LinkContext, signal: AbortSignal): Promise<StepResult>
}

/** A setting and where it came from (`cloud.conf:3`, `netdata.conf [cloud] proxy:12`, `flag`, `default`…). */
export interface Sourced<T> {
  value: T
  source: string
}

export interface LinkSettings {
  url: Sourced<string>
  proxy: Sourced<ProxySpec>
  /** other places that set a proxy, and what they say (warned about when they disagree) */
  proxyOthers: Array<Sourced<string>>
  claimId: Sourced<null | string>
  /** PEM text of the node's private key; never printed */
  privateKeyPem: null | string
  keyPath: string
  /** problems found with the key pair (missing, unreadable, mode, public does not match) */
  keyProblems: string[]
  keyNotes: string[]
  version: Sourced<null | Version>
  /** PEM CA certificates to trust in addition to the default store */
  extraCa: Array<Sourced<string>>
  /**
   * the CA bundle the agent's ACLK verifies with (OpenSSL's default paths): SSL_CERT_FILE of its service environment,
   * else the system bundle; undefined when unknown (the emulator walk)
   */
  agentTrust?: Sourced<string>
  /** v2 cloud.conf `insecure = yes`: a self-signed leaf is accepted */
  insecure: boolean
  /** the link is switched off in the agent's config; the walk still runs and says so */
  disabled?: Sourced<string>
  /** machine GUID, for the detail only */
  machineGuid?: null | string
  /** true when the identity is the emulator's throw-away one */
  throwAway: boolean
  /** problems found while reading settings that make the walk impossible (bad URL…) */
  problems: Array<{message: string; fix: string; code: ErrorCode; ref?: string}>
  warnings: string[]
}

export interface AgentLinkView {
  /** the agent answered at all */
  reachable: boolean
  online: boolean | null
  /** one line summary for the table */
  summary: string
  claimId?: null | string
  source: string
}

export interface EnvInfo {
  authEndpoint: URL
  mqttEndpoint: URL
  transport: 'MQTTv3' | 'MQTTv5'
  encoding: string
}

export interface MqttCredentials {
  clientId: string
  username: string
  password: string
  /** topic name → topic with the claim id filled in */
  topics: Record<string, string>
}

/** A live TLS connection to a host:port, reusable for the next HTTP request or the WebSocket upgrade. */
export interface OpenConnection {
  host: string
  port: number
  socket: TLSSocket
}

export interface LinkContext {
  settings: LinkSettings
  timeoutMs: number
  /** network round trips so far (TCP, proxy, TLS, HTTP, WebSocket, MQTT exchanges) */
  roundTrips: number
  /** TLS connections opened to Cloud hosts */
  connections: number
  /** what the running step is waiting for, shown when it times out */
  waiting?: string
  takeOver: boolean
  cloud: {host: string; port: number; hostIsLiteral: boolean}
  /** the first hop (the proxy, or the cloud host when direct) and its addresses in connect order */
  hop?: {host: string; port: number; viaProxy: boolean; addresses: string[]}
  /** socks5:// (not socks5h): the cloud host's address we resolved and send to the proxy */
  cloudAddress?: string
  /** the TCP socket to the cloud host or to the proxy */
  tcp?: Duplex
  /** the byte stream to the cloud host after the proxy step (the TCP socket itself when direct) */
  tunnel?: Duplex
  /** idle TLS connections kept for reuse, one per host:port */
  idle: OpenConnection[]
  env?: EnvInfo
  credentials?: MqttCredentials
  agentView?: Promise<AgentLinkView | null>
  /** everything to destroy at the end */
  disposers: Array<() => void>
}
