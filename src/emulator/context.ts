// What every endpoint handler shares: state, the active faults, the records, OTP sessions, and the names served.

import type {AclkMessages} from './aclk-messages.js'
import type {FaultSet} from './faults.js'
import type {EmulatorRecords} from './records.js'
import type {EmulatorState} from './state.js'
import type {Encoding} from './topics.js'

export interface IssuedCredentials {
  claimId: string
  clientId: string
  username: string
  password: string
}

export interface OtpSessions {
  /**
   * claim id (lower case) → the secrets of the pending challenges (at most 8, newest last), each until a password
   * attempt uses it: an agent retrying while `link` walks the same claim id must not invalidate the other's challenge
   */
  challenges: Map<string, Buffer[]>
  /** claim id (lower case) → what the node told /env (its version and the encoding given to it) */
  eras: Map<string, {version?: string; encoding: Encoding}>
  /** MQTT username → the credentials issued by /password */
  credentials: Map<string, IssuedCredentials>
}

export interface EmulatorContext {
  state: EmulatorState
  faults: () => FaultSet
  records: EmulatorRecords
  otp: OtpSessions
  /** names in the leaf certificate; the first is the one in URLs */
  hostnames: string[]
  port: () => number
  log: (line: string) => void
  /** log every MQTT packet and TLS failure (emulator --verbose) */
  verbose: boolean
  /** the protobuf messages spoken after CONNECT (loaded at start) */
  aclk: AclkMessages
}
