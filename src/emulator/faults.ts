// Named faults: `NAME[:ARG][@ENDPOINT]`, e.g. `slow:2000@env`, `connack-refused:135`, `stall@mqtt`.
// Without @ENDPOINT a fault acts on every endpoint it makes sense for (its `targets`).

import {UserError} from '../base/errors.js'

export type Endpoint = 'challenge' | 'claim' | 'env' | 'mqtt' | 'password'
export const ENDPOINTS: Endpoint[] = ['claim', 'env', 'challenge', 'password', 'mqtt']

interface FaultSpec {
  /** what it does, for --help and docs */
  summary: string
  targets: Endpoint[] | 'tls'
  /** the argument: its meaning, and whether it is required */
  arg?: {name: string; required: boolean; default?: number}
}

const OTP: Endpoint[] = ['env', 'challenge', 'password']

export const FAULTS = {
  'expired-cert': {summary: 'serve a leaf (signed by the CA) that expired 2 days ago', targets: 'tls'},
  'not-yet-valid-cert': {
    summary: 'serve a leaf valid only from 2 days in the future (a clock problem)',
    targets: 'tls',
  },
  'self-signed': {summary: 'serve a self-signed leaf, not signed by the CA', targets: 'tls'},
  'wrong-host-cert': {summary: 'serve a CA-signed leaf for another host name', targets: 'tls'},
  'token-rejected': {summary: 'claim: 403 ErrForbidden, even for a known token', targets: ['claim']},
  'room-invalid': {summary: 'claim: 422 ErrInvalidRoomID, even for known rooms', targets: ['claim']},
  'already-claimed': {summary: 'claim: 409 ErrAlreadyClaimed', targets: ['claim']},
  'claim-in-progress': {
    summary: 'claim: 102 ErrProcessingClaim (a status line with a body, then close)',
    targets: ['claim'],
  },
  'env-500': {summary: '/env: 500 with an error body', targets: ['env']},
  'env-bad-json': {summary: '/env: 200 with truncated JSON', targets: ['env']},
  'env-no-mqttv5': {summary: '/env: transports list only MQTTv3', targets: ['env']},
  'challenge-wrong-key': {summary: 'challenge: the secret is encrypted to another RSA key', targets: ['challenge']},
  'password-rejected': {
    summary: 'password: 401 ErrInvalidChallengeResponse, even for the right answer',
    targets: ['password'],
  },
  banned: {summary: 'env/challenge/password: 403 ErrNodeBanned with errorNonRetryable:true', targets: OTP},
  'retry-after': {
    summary:
      'env/challenge/password: 503 with errorRetryDelaySeconds S; claim: 503 ErrServiceUnavailable with Retry-After: S',
    targets: ['claim', ...OTP],
    arg: {name: 'S', required: false, default: 60},
  },
  'no-upgrade': {summary: 'mqtt: answer the WebSocket GET /mqtt with 400', targets: ['mqtt']},
  'connack-refused': {
    summary:
      'mqtt: CONNACK with this reason code (MQTT 5; 0x86/0x87 map to 4/5 on 3.1.1), default 135 (0x87 not authorized)',
    targets: ['mqtt'],
    arg: {name: 'CODE', required: false, default: 0x87},
  },
  'drop-after-connect': {summary: 'mqtt: send CONNACK 0, then close the socket', targets: ['mqtt']},
  slow: {
    summary: 'delay every response (and CONNACK) by MS milliseconds',
    targets: ['claim', ...OTP, 'mqtt'],
    arg: {name: 'MS', required: true},
  },
  stall: {summary: 'accept the request (or CONNECT) and never answer', targets: ['claim', ...OTP, 'mqtt']},
  flood: {
    summary: 'answer 200 with an endless body (mqtt: endless PUBLISHes after CONNACK)',
    targets: ['claim', ...OTP, 'mqtt'],
  },
} satisfies Record<string, FaultSpec>

export type FaultName = keyof typeof FAULTS

export interface Fault {
  name: FaultName
  arg?: number
  /** undefined = every target of the fault */
  endpoint?: Endpoint
  /** the text it was parsed from */
  spec: string
}

export function parseFault(text: string): Fault {
  const spec = text.trim()
  const m = /^([a-z0-9-]+)(?::(\d+))?(?:@([a-z]+))?$/.exec(spec)
  const usage = `fault syntax is NAME[:NUMBER][@ENDPOINT]; names: ${Object.keys(FAULTS).join(', ')}; endpoints: ${ENDPOINTS.join(', ')}`
  if (!m) throw new UserError('badInput', `invalid fault "${spec}"`, {fix: usage})
  const name = m[1] as FaultName
  const def: FaultSpec | undefined = FAULTS[name]
  if (!def) throw new UserError('badInput', `unknown fault "${m[1]}"`, {fix: usage})
  if (m[2] !== undefined && !def.arg) throw new UserError('badInput', `fault "${name}" takes no argument`, {fix: usage})
  if (m[2] === undefined && def.arg?.required)
    throw new UserError('badInput', `fault "${name}" needs :${def.arg.name}`, {fix: usage})
  const endpoint = m[3] as Endpoint | undefined
  if (endpoint !== undefined) {
    if (!ENDPOINTS.includes(endpoint))
      throw new UserError('badInput', `unknown endpoint "${endpoint}" in fault "${spec}"`, {fix: usage})
    if (def.targets === 'tls' || !def.targets.includes(endpoint))
      throw new UserError('badInput', `fault "${name}" does not apply to ${endpoint}`, {
        fix: `it applies to: ${def.targets === 'tls' ? 'the TLS listener (no @ENDPOINT)' : def.targets.join(', ')}`,
      })
  }

  const arg = m[2] === undefined ? def.arg?.default : Number(m[2])
  return {
    name,
    spec,
    ...(arg === undefined ? {} : {arg}),
    ...(endpoint ? {endpoint} : {}),
  }
}

/** Parse a list of specs; each entry may itself be comma-separated (`--fault slow:100,stall@mqtt`). */
export function parseFaults(specs: string[]): Fault[] {
  return specs
    .flatMap(s => s.split(','))
    .filter(s => s.trim() !== '')
    .map(s => parseFault(s))
}

function targetsOf(name: FaultName): Endpoint[] {
  const {targets} = FAULTS[name] as FaultSpec
  return targets === 'tls' ? [] : targets
}

/** The active faults, asked per endpoint. */
export class FaultSet {
  constructor(readonly faults: Fault[] = []) {}

  /** The fault `name` if it is active for `endpoint`. */
  at(endpoint: Endpoint, name: FaultName): Fault | undefined {
    return this.faults.find(
      f => f.name === name && (f.endpoint === undefined ? targetsOf(name).includes(endpoint) : f.endpoint === endpoint),
    )
  }

  /** Every fault active at `endpoint`. */
  activeAt(endpoint: Endpoint): Fault[] {
    return this.faults.filter(f => this.at(endpoint, f.name) === f)
  }

  has(name: FaultName): boolean {
    return this.faults.some(f => f.name === name)
  }

  specs(): string[] {
    return this.faults.map(f => f.spec)
  }
}
