// PUT /api/v1/spaces/nodes/{id}: claiming (netdata-facts.md §4.1, §4.3). Answers 204, or the Cloud's error keys:
// 403 ErrForbidden, 422 ErrInvalidNodeID / ErrInvalidNodeName / ErrInvalidRoomID / ErrInvalidPublicKey,
// 409 ErrAlreadyClaimed, 102 ErrProcessingClaim, 503 ErrServiceUnavailable. Checked in that order: token, node id,
// hostname, rooms, public key, then whether another key already holds the node id.

import {createPublicKey} from 'node:crypto'

import {mask} from '../base/secrets.js'
import type {EmulatorContext} from './context.js'
import {cloudError, errorMsgKeyOf, type Reply} from './replies.js'

const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i

interface ClaimBody {
  node?: {id?: unknown; hostname?: unknown}
  token?: unknown
  rooms?: unknown
  publicKey?: unknown
  mGUID?: unknown
}

function faultReply(ctx: EmulatorContext): Reply | undefined {
  const faults = ctx.faults()
  const retry = faults.at('claim', 'retry-after')
  if (retry)
    return cloudError(503, 'ErrServiceUnavailable', 'service unavailable', {
      headers: {'Retry-After': String(retry.arg)},
    })
  if (faults.at('claim', 'token-rejected'))
    return cloudError(403, 'ErrForbidden', 'token expired, not found or invalid')
  if (faults.at('claim', 'room-invalid')) return cloudError(422, 'ErrInvalidRoomID', 'one or more room ids are invalid')
  if (faults.at('claim', 'already-claimed')) return cloudError(409, 'ErrAlreadyClaimed', 'node already claimed')
  if (faults.at('claim', 'claim-in-progress')) return cloudError(102, 'ErrProcessingClaim', 'claiming is in progress')
}

/** An RSA public key of at least 2048 bits (the challenge is one RSA block; the agent makes 2048-bit keys). */
function validPublicKey(pem: unknown): boolean {
  if (typeof pem !== 'string' || !pem.includes('-----BEGIN')) return false
  try {
    const key = createPublicKey(pem)
    return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048
  } catch {
    return false
  }
}

async function validate(ctx: EmulatorContext, pathId: string, text: string): Promise<Reply> {
  let body: ClaimBody
  try {
    body = JSON.parse(text) as ClaimBody
    if (typeof body !== 'object' || body === null) throw new Error('not an object')
  } catch {
    return cloudError(400, 'ErrBadRequest', 'the request body is not a JSON object')
  }

  if (typeof body.token !== 'string' || !ctx.state.tokens.includes(body.token))
    return cloudError(403, 'ErrForbidden', 'token expired, not found or invalid')
  const nodeId = body.node?.id
  if (!UUID.test(pathId) || typeof nodeId !== 'string' || nodeId.toLowerCase() !== pathId.toLowerCase())
    return cloudError(422, 'ErrInvalidNodeID', 'the node id is invalid')
  const hostname = body.node?.hostname
  if (typeof hostname !== 'string' || hostname.trim() === '' || hostname.length > 255)
    return cloudError(422, 'ErrInvalidNodeName', 'the node name is invalid')
  const rooms = body.rooms === undefined ? [] : body.rooms
  const known = new Set(ctx.state.rooms.map(r => r.toLowerCase()))
  if (!Array.isArray(rooms) || rooms.some(r => typeof r !== 'string' || (r !== '' && !known.has(r.toLowerCase()))))
    return cloudError(422, 'ErrInvalidRoomID', 'one or more room ids are invalid')
  if (!validPublicKey(body.publicKey)) return cloudError(422, 'ErrInvalidPublicKey', 'the public key is invalid')
  const publicKeyPem = body.publicKey as string
  const existing = ctx.state.node(pathId)
  if (
    existing &&
    createPublicKey(existing.publicKeyPem)
      .export({format: 'der', type: 'spki'})
      .compare(createPublicKey(publicKeyPem).export({format: 'der', type: 'spki'})) !== 0
  )
    return cloudError(409, 'ErrAlreadyClaimed', 'node already claimed with another key')

  await ctx.state.saveNode({
    claimId: pathId.toLowerCase(),
    hostname,
    rooms: (rooms as string[]).filter(r => r !== ''),
    publicKeyPem,
    ...(typeof body.mGUID === 'string' ? {machineGuid: body.mGUID} : {}),
    claimedAt: new Date().toISOString(),
  })
  ctx.log(`claimed node ${pathId} (${hostname}) with token ${mask(body.token)}`)
  const node = ctx.records.node(pathId)
  Object.assign(node, {claimed: true, hostname})
  ctx.records.event('claimed', pathId, {hostname})
  return {status: 204}
}

export async function handleClaim(ctx: EmulatorContext, pathId: string, text: string): Promise<Reply> {
  const reply = faultReply(ctx) ?? (await validate(ctx, pathId, text))
  let parsed: ClaimBody | undefined
  try {
    parsed = JSON.parse(text) as ClaimBody
  } catch {}

  const hostname = parsed?.node?.hostname
  ctx.records.claims.push({
    at: new Date().toISOString(),
    claimId: pathId,
    ...(typeof hostname === 'string' ? {hostname} : {}),
    ...(Array.isArray(parsed?.rooms) ? {rooms: parsed.rooms.filter((r): r is string => typeof r === 'string')} : {}),
    status: reply.status,
    ...(errorMsgKeyOf(reply) ? {errorMsgKey: errorMsgKeyOf(reply)} : {}),
  })
  ctx.records.changed()
  return reply
}
