// The one-time-password exchange (netdata-facts.md §5.3): GET {auth}/node/{id}/challenge returns a random secret
// encrypted to the node's registered public key (RSA-OAEP, SHA-1); POST {auth}/node/{id}/password checks the
// decrypted answer and issues MQTT credentials and the topics of the node's era.
// The secret is 32 bytes: ≤ 48 (v1.35–v1.37 send only the first 48) and not a multiple of 3 (v1.31–v1.34 drop the
// last 3 bytes then) — correction 4.

import {constants, generateKeyPair, publicEncrypt, randomBytes, timingSafeEqual} from 'node:crypto'
import {promisify} from 'node:util'

import {registerSecret} from '../base/secrets.js'
import type {EmulatorContext} from './context.js'
import type {Endpoint} from './faults.js'
import {cloudError, type Reply} from './replies.js'
import {topicsFor} from './topics.js'

const SECRET_BYTES = 32
const MAX_PENDING_CHALLENGES = 8

let otherKey: Promise<string> | undefined
/** A key that is not the node's, for the challenge-wrong-key fault (made on first use: RSA keygen is slow). */
export function anotherPublicKey(): Promise<string> {
  otherKey ??= promisify(generateKeyPair)('rsa', {modulusLength: 2048}).then(
    ({publicKey}) => publicKey.export({format: 'pem', type: 'spki'}) as string,
  )
  return otherKey
}

function otpFault(ctx: EmulatorContext, endpoint: Endpoint): Reply | undefined {
  const faults = ctx.faults()
  const retry = faults.at(endpoint, 'retry-after')
  if (retry) return cloudError(503, 'ErrServiceUnavailable', 'try again later', {errorRetryDelaySeconds: retry.arg})
  if (faults.at(endpoint, 'banned'))
    return cloudError(403, 'ErrNodeBanned', 'this node is banned', {errorNonRetryable: true})
}

export async function handleChallenge(ctx: EmulatorContext, claimId: string): Promise<Reply> {
  const fault = otpFault(ctx, 'challenge')
  if (fault) return fault
  const node = ctx.state.node(claimId)
  if (!node) return cloudError(404, 'ErrNodeNotFound', 'no node is claimed with this id')
  const secret = randomBytes(SECRET_BYTES)
  const key = ctx.faults().at('challenge', 'challenge-wrong-key') ? await anotherPublicKey() : node.publicKeyPem
  const encrypted = publicEncrypt({key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1'}, secret)
  const pending = ctx.otp.challenges.get(claimId.toLowerCase()) ?? []
  ctx.otp.challenges.set(claimId.toLowerCase(), [...pending, secret].slice(-MAX_PENDING_CHALLENGES))
  return {status: 200, body: {challenge: encrypted.toString('base64')}}
}

export function handlePassword(ctx: EmulatorContext, claimId: string, text: string): Reply {
  const fault = otpFault(ctx, 'password')
  if (fault) return fault
  const key = claimId.toLowerCase()
  const pending = ctx.otp.challenges.get(key) ?? []
  let response: unknown
  try {
    response = (JSON.parse(text) as {response?: unknown}).response
  } catch {}

  if (typeof response !== 'string') return cloudError(400, 'ErrBadRequest', 'the body must be {"response":"<base64>"}')
  if (pending.length === 0) return cloudError(401, 'ErrChallengeNotFound', 'no challenge is pending for this node')
  const answer = Buffer.from(response, 'base64')
  // one answer per challenge, right or wrong: a right one uses its challenge, a wrong one the newest
  const index = pending.findIndex(secret => answer.length === secret.length && timingSafeEqual(answer, secret))
  const right = index !== -1
  pending.splice(right ? index : pending.length - 1, 1)
  if (pending.length === 0) ctx.otp.challenges.delete(key)
  if (!right || ctx.faults().at('password', 'password-rejected'))
    return cloudError(401, 'ErrInvalidChallengeResponse', 'wrong answer to the challenge')

  const era = ctx.otp.eras.get(claimId.toLowerCase())
  const password = randomBytes(32).toString('base64url')
  registerSecret(password)
  const credentials = {
    claimId,
    clientId: claimId,
    username: claimId,
    password,
  }
  ctx.otp.credentials.set(credentials.username, credentials)
  return {
    status: 201,
    body: {
      clientID: credentials.clientId,
      username: credentials.username,
      password,
      topics: topicsFor(era?.version, era?.encoding ?? 'proto'),
    },
  }
}
