// A faithful, small Netdata Cloud on loopback, with named faults (issue 5, design.md §6). Only the emulator command
// and tests import this module.

import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {errnoCode, UserError} from '../base/errors.js'
import {redactSecrets, registerSecret} from '../base/secrets.js'
import {loadAclkMessages} from './aclk-messages.js'
import {generateCertificates, type LeafKind} from './certificates.js'
import type {EmulatorContext} from './context.js'
import {FaultSet, parseFaults} from './faults.js'
import {type EmulatorEvent, EmulatorRecords, type NodeRecord} from './records.js'
import {anotherPublicKey} from './otp-api.js'
import {createEmulatorServer} from './server.js'
import {EmulatorState} from './state.js'

export {WRONG_HOST_NAME} from './certificates.js'
export {type Endpoint, ENDPOINTS, type Fault, type FaultName, FAULTS, parseFaults} from './faults.js'
export {
  type ClaimRecord,
  type EmulatorEvent,
  EmulatorRecords,
  type MqttConnectionRecord,
  type MqttPublishRecord,
  type NodeRecord,
  type RequestRecord,
} from './records.js'
export {compulsoryTopicNames, topicsFor} from './topics.js'

export interface EmulatorOptions {
  /** address to listen on; default 127.0.0.1 */
  host?: string
  /** 0 = a random free port */
  port?: number
  /** keeps state.json (tokens, rooms, claimed nodes) and ca.pem; default: a temp dir removed by close() */
  stateDir?: string
  /** fault specs, `NAME[:ARG][@ENDPOINT]`, each may be comma-separated */
  faults?: string[]
  /** claim tokens accepted; with none (here and in the state dir), one random token is made */
  tokens?: string[]
  /** room ids accepted; with none, one random UUID */
  rooms?: string[]
  /** names in the leaf certificate; the first is used in URLs. Default ['localhost', '127.0.0.1'] */
  hostnames?: string[]
  /** one line per request and event, secrets redacted */
  log?: (line: string) => void
  /** also log every MQTT packet and every failed or abandoned TLS handshake */
  verbose?: boolean
  /** called for every node event (claimed, connected, create-node-instance, …) */
  onEvent?: (event: EmulatorEvent) => void
}

export interface Emulator {
  /** https://localhost:PORT */
  url: string
  port: number
  host: string
  caPath: string
  caPem: string
  tokens: string[]
  /** the first accepted claim token, in a 0600 file next to ca.pem (what `claim --token-file` reads) */
  tokenPath: string
  rooms: string[]
  records: EmulatorRecords
  /** what the emulated Cloud knows of each node now (claimed, connected, node id, last message) */
  nodes(): NodeRecord[]
  /** the fault specs in force */
  faults: string[]
  /** pre-claim a node (for link tests): as if PUT /api/v1/spaces/nodes/{claimId} had succeeded with this key */
  registerNode(claimId: string, publicKeyPem: string, hostname?: string): void
  /** replace the faults in force (certificate faults apply to new TLS connections) */
  setFaults(faults: string[]): void
  /** send an MQTT PUBLISH to the connected client with this client id; false when none is connected */
  publish(clientId: string, topic: string, payload: Buffer | string): boolean
  close(): Promise<void>
}

const LEAF_FOR_FAULT: [string, LeafKind][] = [
  ['expired-cert', 'expired'],
  ['not-yet-valid-cert', 'not-yet-valid'],
  ['self-signed', 'self-signed'],
  ['wrong-host-cert', 'wrong-host'],
]

function leafKind(faults: FaultSet): LeafKind {
  return LEAF_FOR_FAULT.find(([name]) => faults.has(name as never))?.[1] ?? 'valid'
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1'
  const hostnames = (options.hostnames ?? ['localhost', '127.0.0.1']).map(h => h.toLowerCase())
  let faults = new FaultSet(parseFaults(options.faults ?? []))
  // the other RSA key of challenge-wrong-key takes ~0.1–2 s to make: start it now, not in the first challenge's answer
  const warm = (f: FaultSet) => f.has('challenge-wrong-key') && anotherPublicKey().catch(() => {})
  warm(faults)
  const state = EmulatorState.load(options.stateDir, options.tokens, options.rooms)
  for (const t of state.tokens) registerSecret(t)
  const log = options.log ? (line: string) => options.log!(redactSecrets(line)) : () => {}

  const certificates = await generateCertificates(hostnames)
  const dir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'netdata-cloud-emulator-'))
  const caPath = join(dir, 'ca.pem')
  writeFileSync(caPath, certificates.caPem, {mode: 0o644})
  // the token is a secret even here: it goes to a file, never to stdout (claim --token-file reads it)
  const tokenPath = join(dir, 'token')
  rmSync(tokenPath, {force: true})
  writeFileSync(tokenPath, `${state.tokens[0] ?? ''}\n`, {flag: 'wx', mode: 0o600})

  let port = 0
  const records = new EmulatorRecords()
  if (options.onEvent) records.on('event', options.onEvent)
  const aclk = await loadAclkMessages()
  const ctx: EmulatorContext = {
    aclk,
    verbose: Boolean(options.verbose),
    state,
    faults: () => faults,
    records,
    otp: {challenges: new Map(), eras: new Map(), credentials: new Map()},
    hostnames,
    port: () => port,
    log,
  }
  const server = createEmulatorServer(ctx, {key: certificates.keyPem, cert: certificates.leaves[leafKind(faults)]})
  try {
    port = await server.listen(options.port ?? 0, host)
  } catch (error) {
    if (!options.stateDir) rmSync(dir, {force: true, recursive: true})
    const code = errnoCode(error)
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
      throw new UserError('tcp', `cannot listen on ${host}:${options.port ?? 0}: ${code}`, {
        cause: error,
        fix: 'choose another --port or --host (--port 0 picks a free port)',
      })
    throw error
  }

  const emulator: Emulator = {
    url: `https://${hostnames[0].includes(':') ? `[${hostnames[0]}]` : hostnames[0]}:${port}`,
    port,
    host,
    caPath,
    caPem: certificates.caPem,
    tokenPath,
    tokens: state.tokens,
    rooms: state.rooms,
    records,
    nodes: () => [...records.nodes.values()].map(n => ({...n})),
    faults: faults.specs(),
    registerNode(claimId, publicKeyPem, hostname = 'emulated-node') {
      state
        .saveNode({
          claimId: claimId.toLowerCase(),
          hostname,
          rooms: [],
          publicKeyPem,
          claimedAt: new Date().toISOString(),
        })
        .catch((error: Error) => log(`cannot save state: ${error.message}`))
    },
    setFaults(specs) {
      const next = new FaultSet(parseFaults(specs))
      warm(next)
      const before = leafKind(faults)
      faults = next
      emulator.faults = next.specs()
      if (leafKind(next) !== before) server.setCertificate(certificates.leaves[leafKind(next)])
      log(`faults: ${next.specs().join(', ') || 'none'}`)
    },
    publish: (clientId, topic, payload) => server.broker.publish(clientId, topic, payload),
    async close() {
      await server.close()
      await state.save().catch(() => {})
      if (!options.stateDir) rmSync(dir, {force: true, recursive: true})
    },
  }
  log(
    `listening on ${emulator.url} (${host}:${port}), CA ${caPath}${emulator.faults.length > 0 ? `, faults: ${emulator.faults.join(', ')}` : ''}`,
  )
  return emulator
}
