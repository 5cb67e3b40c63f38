// What `netdata-cloud emulator` shows: a start banner (stdout), one log line per request (stderr), and for --json one
// envelope line printed at start, because the command then runs until a signal.

import {
  colors, envelope, printError, printText,
} from './output.js'
import {mask} from './redact.js'

export interface EmulatorInfo {
  url: string
  host: string
  port: number
  caPath: string
  tokens: string[]
  rooms: string[]
  faults: string[]
  stateDir?: string
}

export function printEmulatorLog(line: string): void {
  printError(`${new Date().toISOString().slice(11, 23)} ${line}`)
}

/**
 * The --json envelope, on one line, as soon as the emulator listens. Not passed through the secret scrubber: the
 * claim tokens are the emulator's own throw-away test secrets, and scripts need them to claim against it.
 */
export function printEmulatorJson(command: string, info: EmulatorInfo): void {
  process.stdout.write(JSON.stringify(envelope(command, true, info, [])) + '\n')
}

export function renderEmulatorBanner(info: EmulatorInfo): string {
  const c = colors()
  const token = info.tokens[0]
  const room = info.rooms[0]
  return [
    c.bold(`Netdata Cloud emulator listening on ${info.url}`) + ` (${info.host}:${info.port})`,
    `  CA certificate  ${info.caPath}`,
    `  claim tokens    ${info.tokens.map(t => mask(t)).join(', ')}  (shown in full only by --json; or give your own with --token)`,
    `  rooms           ${info.rooms.join(', ')}`,
    `  faults          ${info.faults.length > 0 ? info.faults.join(', ') : 'none'}`,
    `  state           ${info.stateDir ?? 'in memory (use --state DIR to keep claimed nodes)'}`,
    '',
    'Trust its CA:',
    `  this tool       netdata-cloud link --ca ${info.caPath}   (claim: --ca too)`,
    `  an agent        SSL_CERT_FILE=${info.caPath} in the agent's environment (systemctl edit netdata: Environment=SSL_CERT_FILE=…)`,
    `  curl            curl --cacert ${info.caPath} '${info.url}/api/v1/env?v=2.11.0&cap=proto,ctx&claim_id=<uuid>'`,
    '',
    'Point an agent at it:',
    `  v2.x            claim.conf and cloud.conf [global]: url = ${info.url}`,
    `  v1.x            cloud.conf [global]: cloud base url = ${info.url}`,
    `  claim (v1.x)    netdata-claim.sh -token=${mask(token)} -rooms=${room} -url=${info.url}`,
    '',
    'Ctrl-C stops it.',
  ].join('\n')
}

export function printEmulatorBanner(info: EmulatorInfo): void {
  printText(renderEmulatorBanner(info))
}
