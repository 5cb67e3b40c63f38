// The one table of failure classes. Each class has a stable exit status that scripts rely on;
// the README's exit-code table and the JSON `error.code` are generated from this list.

export const EXIT = {
  ok: 0,
  bug: 1,
  usage: 2,
  noAgent: 10,
  noAclk: 11,
  cloudDisabled: 12,
  notClaimed: 13,
  claimRejected: 14,
  permission: 15,
  invalidConfig: 16,
  agentUnreachable: 17,
  badInput: 18,
  unsupported: 19,
  dns: 20,
  tcp: 21,
  proxy: 22,
  tls: 23,
  clock: 24,
  cloudApi: 25,
  auth: 26,
  mqtt: 27,
  notLinked: 28,
  writeFailed: 29,
  locked: 30,
  timeout: 31,
  alreadyClaimed: 32,
  restartFailed: 33,
} as const

export type ErrorCode = keyof typeof EXIT

export const EXIT_MEANING: Record<ErrorCode, string> = {
  ok: 'success (status: the node is linked)',
  bug: 'unexpected error in netdata-cloud itself (a bug: please report it)',
  usage: 'bad command line (unknown flag, missing argument)',
  noAgent: 'no Netdata Agent installation found',
  noAclk: 'this agent build has no ACLK (built without Netdata Cloud support)',
  cloudDisabled: 'the cloud link is disabled (cloud.conf, NETDATA_DISABLE_CLOUD)',
  notClaimed: 'the node is not claimed (connected) to a Space',
  claimRejected: 'Netdata Cloud rejected the claim (token, rooms, node id, key)',
  permission: 'permission or ownership problem (run as root or the agent user)',
  invalidConfig: 'a config file is invalid (the message names file:line)',
  agentUnreachable: 'the running agent did not answer (API or netdatacli)',
  badInput: 'an input file or value is unreadable or in an unknown format',
  unsupported: 'the operation is not supported by this agent era or build',
  dns: 'name resolution failed',
  tcp: 'TCP connection failed (refused, filtered, unreachable)',
  proxy: 'the proxy refused or failed the tunnel',
  tls: 'TLS handshake or certificate verification failed',
  clock: 'the local clock is wrong (certificate not yet valid / expired by skew)',
  cloudApi: 'a Netdata Cloud HTTPS call failed (/env, challenge, password)',
  auth: 'authentication with Netdata Cloud failed (challenge, password, banned)',
  mqtt: 'MQTT over WebSocket failed (upgrade, CONNACK, ping)',
  notLinked: 'claimed and enabled, but the agent is not connected right now',
  writeFailed: 'a file could not be written (read-only, disk full); nothing was changed',
  locked: 'another netdata-cloud run holds the lock on this node',
  timeout: 'a step did not finish in its time limit',
  alreadyClaimed: 'claim: the node is already claimed (nothing was changed; --force to claim again)',
  restartFailed: 'the change was written, but the agent was not restarted or did not come back with it',
}

/** A failure the user can fix. `fix` is one line saying how; `ref` points to docs or the file:line involved. */
export class UserError extends Error {
  readonly code: ErrorCode
  readonly fix?: string
  readonly ref?: string

  constructor(code: ErrorCode, message: string, options: {cause?: unknown; fix?: string; ref?: string} = {}) {
    super(message, {cause: options.cause})
    this.name = 'UserError'
    this.code = code
    this.fix = options.fix
    this.ref = options.ref
  }

  get exitCode(): number {
    return EXIT[this.code]
  }
}

/** An error in netdata-cloud itself. */
export class BugError extends Error {
  readonly code: ErrorCode = 'bug'

  constructor(message: string, options: {cause?: unknown} = {}) {
    super(message, options)
    this.name = 'BugError'
  }
}

/** A node error's errno code (ENOENT, EACCES…), or undefined. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return typeof code === 'string' ? code : undefined
}
