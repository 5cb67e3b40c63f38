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
    'Trust its CA:',
    `  this tool       netdata-cloud link --ca ${info.caPath}   (claim: --ca too)`,
    `  an agent        SSL_CERT_FILE=${info.caPath} in the agent's environment (systemctl edit netdata: Environment=SSL_CERT_FILE=…)`,
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
