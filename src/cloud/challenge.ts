// The OTP exchange (netdata-facts.md §5.3, §0.1 #4, #5): the challenge is RSA-OAEP (SHA-1, MGF1-SHA-1) encrypted
// with the node's public key; the agent decrypts it with cloud.d/private.pem and POSTs the base64 of the secret,
// with each era's encoding quirk, then expects 201 and the MQTT credentials with this era's compulsory topics.

import {constants, privateDecrypt} from 'node:crypto'

import {compareVersions, type Version} from '../base/version.js'

export function challengePath(authEndpoint: URL, claimId: string, what: 'challenge' | 'password'): string {
  const p = authEndpoint.pathname || '/'
  return `${p}/node/${claimId}/${what}`.replace(/^\/\/+/, '/')
}

/** Check the challenge body; v1.35+ want exactly 344 base64 chars (a 256-byte RSA-2048 block). */
export function parseChallenge(body: string, v: Version): {bytes?: Buffer; problem?: string} {
  let j: Record<string, unknown>
  try {
    j = JSON.parse(body) as Record<string, unknown>
  } catch {
    return {problem: 'the challenge answer is not JSON'}
  }

  if (typeof j?.challenge !== 'string') return {problem: 'no "challenge" string in the answer'}
  const text = j.challenge
  const bytes = Buffer.from(text, 'base64')
  if (compareVersions(v, [1, 35, 0]) >= 0 && (text.length !== 344 || bytes.length !== 256)) {
    return {
      problem: `the challenge is ${text.length} base64 chars / ${bytes.length} bytes; this agent needs 344 / 256 (RSA-2048)`,
    }
  }

  if (bytes.length === 0 || bytes.length > 512) return {problem: `the challenge decodes to ${bytes.length} bytes`}
  return {bytes}
}

export function decryptChallenge(privateKeyPem: string, encrypted: Buffer): Buffer {
  return privateDecrypt({key: privateKeyPem, oaepHash: 'sha1', padding: constants.RSA_PKCS1_OAEP_PADDING}, encrypted)
}

/** The base64 the agent of version `v` sends for `secret`, quirks included. */
export function encodeResponse(secret: Buffer, v: Version): string {
  if (compareVersions(v, [1, 35, 0]) < 0 && compareVersions(v, [1, 31, 0]) >= 0 && secret.length % 3 === 0) {
    return secret.subarray(0, -3).toString('base64') // own encoder: drops the last 3 bytes
  }

  if (compareVersions(v, [1, 35, 0]) >= 0 && compareVersions(v, [1, 38, 0]) < 0)
    return secret.subarray(0, 48).toString('base64') // cut at the first newline of EVP_Encode
  return secret.toString('base64')
}

export function passwordBody(response: string, v: Version): string {
  return compareVersions(v, [2, 3, 0]) >= 0
    ? `{"agent_version":"v${v.join('.')}", "response":"${response}"}`
    : `{"response":"${response}"}`
}

const OLD_JSON = ['chart', 'alarms', 'meta', 'inbox-cmd']
const NEW_BASE = [
  ...OLD_JSON,
  'agent-connection',
  'inbox-cmd-v1',
  'create-node-instance',
  'node-instance-connection',
  'chart-and-dims-updated',
  'chart-configs-updated',
  'reset-charts',
  'chart-retention-updated',
  'node-instance-info',
  'alarm-config',
]
const OLD_ALARMS = ['alarm-log', 'alarm-health', 'alarm-snapshot']
const NEW_ALARMS = ['alarm-log-v2', 'alarm-checkpoint', 'alarm-snapshot-v2']
const CONTEXTS = ['node-instance-collectors', 'contexts-snapshot', 'contexts-updated']

/** The topic names that must be in the password answer for this era and encoding. */
export function compulsoryTopics(v: Version, encoding: string): string[] {
  if (encoding === 'json' || compareVersions(v, [1, 32, 0]) < 0) return OLD_JSON
  if (compareVersions(v, [1, 36, 0]) < 0) return [...NEW_BASE, ...OLD_ALARMS]
  if (compareVersions(v, [1, 39, 0]) < 0) return [...NEW_BASE, ...OLD_ALARMS, ...CONTEXTS]
  return [...NEW_BASE, ...NEW_ALARMS, ...CONTEXTS]
}

export interface PasswordAnswer {
  clientId?: string
  username?: string
  password?: string
  topics: Record<string, string>
  problems: string[]
}

export function parsePasswordAnswer(
  body: string,
  claimId: string,
  v: Version,
  encoding: string,
  legacy: boolean,
): PasswordAnswer {
  let j: Record<string, unknown>
  try {
    j = JSON.parse(body) as Record<string, unknown>
  } catch {
    return {problems: ['the password answer is not JSON'], topics: {}}
  }

  const problems: string[] = []
  const str = (k: string) => (typeof j[k] === 'string' ? (j[k] as string) : undefined)
  if (legacy) {
    // legacy and v1.30 NG read only `password`; client id = username = claim id
    if (!str('password')) problems.push('"password" missing')
    return {
      clientId: claimId,
      password: str('password'),
      problems,
      topics: {},
      username: claimId,
    }
  }

  for (const k of ['clientID', 'username', 'password']) if (!str(k)) problems.push(`"${k}" missing`)
  const topics: Record<string, string> = {}
  if (Array.isArray(j.topics)) {
    for (const t of j.topics as Array<Record<string, unknown>>) {
      if (typeof t?.name === 'string' && typeof t?.topic === 'string' && t.topic.includes('#{claim_id}'))
        topics[t.name] = t.topic.replace('#{claim_id}', claimId)
    }
  } else problems.push('"topics" missing')

  const missing = compulsoryTopics(v, encoding).filter(n => !topics[n])
  if (missing.length > 0)
    problems.push(
      `missing compulsory topic${missing.length > 1 ? 's' : ''} ${missing.map(m => JSON.stringify(m)).join(', ')} (each must contain #{claim_id})`,
    )
  return {
    clientId: str('clientID'),
    password: str('password'),
    problems,
    topics,
    username: str('username'),
  }
}
