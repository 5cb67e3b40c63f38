// What `netdata-cloud emulator` shows: a start banner (stdout), one log line per request (stderr), and for --json one
// envelope line printed at start, because the command then runs until a signal.

import {colors, envelope, printError, printText} from './output.js'

export interface EmulatorInfo {
  url: string
  host: string
  port: number
  caPath: string
  /** a 0600 file holding the first accepted claim token */
  tokenFile: string
  rooms: string[]
  faults: string[]
  stateDir?: string
}

/** A node event (the emulator's EmulatorEvent; ui does not import the emulator). */
export interface EmulatorEventView {
  at: string
  event: string
  claimId: string
  detail?: Record<string, unknown>
}

/** What the emulated Cloud knows of a node (the emulator's NodeRecord). */
export interface EmulatorNodeView {
  claimId: string
  hostname?: string
  claimed: boolean
  connected: boolean
  sessions: number
  nodeId?: string
  machineGuid?: string
  reachable?: boolean
  lastMessage?: {topic: string; bytes: number; at: string}
}

/** --json: one line per node event on stdout, after the start line. */
export function printEmulatorEventJson(event: EmulatorEventView): void {
  process.stdout.write(
    JSON.stringify({event: event.event, at: event.at, claimId: event.claimId, ...event.detail}) + '\n',
  )
}

export function printEmulatorEvent(event: EmulatorEventView): void {
  const detail = Object.entries(event.detail ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ')
  printEmulatorLog(`node ${event.claimId}: ${event.event}${detail ? ` ${detail}` : ''}`)
}

/** --json: the last line, the state of every node when the emulator stopped. */
export function printEmulatorSummaryJson(nodes: EmulatorNodeView[]): void {
  process.stdout.write(JSON.stringify({event: 'summary', at: new Date().toISOString(), nodes}) + '\n')
}

export function renderEmulatorSummary(nodes: EmulatorNodeView[]): string {
  if (nodes.length === 0) return 'No node claimed or connected.'
  return [
    `${nodes.length} node${nodes.length === 1 ? '' : 's'}:`,
    ...nodes.map(
      n =>
        `  ${n.claimId}  ${n.hostname ?? '?'}  ${n.claimed ? 'claimed' : 'not claimed here'}, ${n.connected ? 'connected' : 'not connected'}, ${n.sessions} session${n.sessions === 1 ? '' : 's'}, node id ${n.nodeId ?? 'none'}${n.lastMessage ? `, last message ${n.lastMessage.topic.slice(n.lastMessage.topic.lastIndexOf('/') + 1)} at ${n.lastMessage.at.slice(11, 19)}` : ''}`,
    ),
  ].join('\n')
}

export function printEmulatorSummary(nodes: EmulatorNodeView[]): void {
  printError(renderEmulatorSummary(nodes))
}

export function printEmulatorLog(line: string): void {
  printError(`${new Date().toISOString().slice(11, 23)} ${line}`)
}

/** The --json envelope, on one line, as soon as the emulator listens (the token is in tokenFile, not here). */
export function printEmulatorJson(command: string, info: EmulatorInfo): void {
  process.stdout.write(JSON.stringify(envelope(command, true, info, [])) + '\n')
}

export function renderEmulatorBanner(info: EmulatorInfo): string {
  const c = colors()
  const room = info.rooms[0]
  return [
    c.bold(`Netdata Cloud emulator listening on ${info.url}`) + ` (${info.host}:${info.port})`,
    `  CA certificate  ${info.caPath}`,
    `  claim token     in ${info.tokenFile} (0600; or give your own with --token)`,
    `  rooms           ${info.rooms.join(', ')}`,
    `  faults          ${info.faults.length > 0 ? info.faults.join(', ') : 'none'}`,
    `  state           ${info.stateDir ?? 'in memory (use --state DIR to keep claimed nodes)'}`,
    '',
    'Trust its CA (an agent needs it in two places: its claim and its link read different ones):',
    `  this tool       netdata-cloud link --ca ${info.caPath}   (claim --ca also installs it for a v2 agent's own claim)`,
    `  agent link      SSL_CERT_FILE=${info.caPath} in the agent's environment, every era (systemctl edit netdata: Environment=SSL_CERT_FILE=…)`,
    `  v2 claim        cp ${info.caPath} <cloud.d>/trusted.pem   (its libcurl claim ignores SSL_CERT_FILE; insecure = yes skips only the claim's check)`,
    `  v1 claim        cp ${info.caPath} <cloud.d>/cloud_fullchain.pem, or CURL_CA_BUNDLE=${info.caPath} for netdata-claim.sh`,
    `  curl            curl --cacert ${info.caPath} '${info.url}/api/v1/env?v=2.11.0&cap=proto,ctx&claim_id=<uuid>'`,
    '',
    'Claim a node against it:',
    `  this tool       netdata-cloud claim --url ${info.url} --ca ${info.caPath} --token-file ${info.tokenFile}${room ? ` --rooms ${room}` : ''}`,
    '',
    'Point an agent at it:',
    `  v2.x            claim.conf and cloud.conf [global]: url = ${info.url}`,
    `  v1.x            cloud.conf [global]: cloud base url = ${info.url}`,
    `  claim (v1.x)    netdata-claim.sh -token="$(cat ${info.tokenFile})" -rooms=${room} -url=${info.url}`,
    '',
    'Ctrl-C stops it.',
  ].join('\n')
}

export function printEmulatorBanner(info: EmulatorInfo): void {
  printText(renderEmulatorBanner(info))
}
