// Steps 6–7: GET /api/v1/env, then the OTP challenge and password, on the TLS connection the tls step opened
// (a new one only when the server closed it, or the auth endpoint is another host).

import {compareVersions, type Version} from '../../base/version.js'
import {registerSecret} from '../../base/secrets.js'
import {
  challengePath,
  decryptChallenge,
  encodeResponse,
  parseChallenge,
  parsePasswordAnswer,
  passwordBody,
} from '../challenge.js'
import {describeCloudError, envPath, parseCloudError, usesEnv, validateEnv} from '../env.js'
import type {LinkContext, Step, StepResult} from '../link-types.js'
import {wireRequest, type WireResponse} from '../wire-http.js'
import {keepConnection, takeConnection} from './dial.js'

const DEFAULT_VERSION: Version = [2, 11, 0]

export function linkVersion(ctx: LinkContext): Version {
  return ctx.settings.version.value ?? DEFAULT_VERSION
}

export function mqttProtocol(ctx: LinkContext): '3.1.1' | '5' {
  return compareVersions(linkVersion(ctx), [1, 36, 0]) < 0 ? '3.1.1' : '5'
}

const portOf = (u: URL) => (u.port ? Number(u.port) : u.protocol === 'http:' || u.protocol === 'ws:' ? 80 : 443)

/** One request on a (reused) connection to host:port; the connection goes back to the pool when kept alive. */
async function call(
  ctx: LinkContext,
  url: URL,
  method: 'GET' | 'POST',
  path: string,
  signal: AbortSignal,
  body?: string,
): Promise<{response?: WireResponse; error?: string; reused?: boolean}> {
  const host = url.hostname.replace(/^\[(.*)]$/, '$1')
  const port = portOf(url)
  ctx.waiting = `a connection to ${host}:${port}`
  const got = await takeConnection(ctx, host, port, signal)
  if (!got.conn) return {error: got.error}
  const {conn} = got
  ctx.waiting = `the answer to ${method} ${path.split('?')[0]}`
  try {
    const response = await wireRequest(
      conn.socket,
      {
        body,
        host,
        method,
        path,
      },
      signal,
      n => {
        ctx.waiting = `the answer to ${method} ${path.split('?')[0]} (${n} bytes so far)`
      },
    )
    ctx.roundTrips++
    if (response.keepAlive) keepConnection(ctx, conn)
    return {response, reused: got.reused}
  } catch (error) {
    ctx.roundTrips++
    return {error: (error as Error).message}
  }
}

function cloudFailure(what: string, r: WireResponse, fallbackFix: string): StepResult {
  const text = r.body.toString('utf8')
  const e = parseCloudError(text)
  if (e) {
    const banned = Boolean(e.errorNonRetryable)
    return {
      code: banned ? 'auth' : 'cloudApi',
      detail: `${what}: ${r.statusLine}; ${describeCloudError(e)}`,
      fix: banned
        ? 'Netdata Cloud refuses this node for good (banned): contact Netdata support with the claim id'
        : e.errorRetryDelaySeconds === undefined
          ? fallbackFix
          : `Netdata Cloud asks to wait ${e.errorRetryDelaySeconds} s before retrying`,
      ref: e.errorMsgKey,
      status: 'FAIL',
    }
  }

  return {
    code: 'cloudApi',
    detail: `${what}: ${r.statusLine}; body ${JSON.stringify(text.slice(0, 120))}`,
    fix: fallbackFix,
    status: 'FAIL',
  }
}

export const envStep: Step = {
  id: 'env',
  needs: ['tls'],
  target: ctx => `${ctx.cloud.host}:${ctx.cloud.port}/api/v1/env`,
  timeoutCode: 'cloudApi',
  title: 'env',
  async run(ctx, signal): Promise<StepResult> {
    const v = linkVersion(ctx)
    const base = new URL(ctx.settings.url.value)
    if (!usesEnv(v)) {
      // v1.30 NG and legacy: challenge/password on the base URL, MQTT to the same host:port
      ctx.env = {
        authEndpoint: new URL('/api/v1/auth', base),
        encoding: 'json',
        mqttEndpoint: base,
        transport: 'MQTTv3',
      }
      return {
        detail: `not asked: v${v.join('.')} has no /env (v1.31+); it authenticates at ${base.origin}/api/v1/auth and connects MQTT 3.1.1 to the same host`,
        notApplicable: true,
        status: 'SKIP',
        target: `${ctx.cloud.host}:${ctx.cloud.port} (no /env before v1.31)`,
      }
    }

    const path = envPath(v, ctx.settings.claimId.value ?? '')
    const r = await call(ctx, base, 'GET', path, signal)
    if (!r.response)
      return {
        code: 'cloudApi',
        detail: `GET ${path.split('?')[0]}: ${r.error}`,
        fix: 'the Cloud API did not answer properly: retry later; check any proxy or firewall that inspects HTTPS',
        status: 'FAIL',
      }
    // an unclaimed node has no claim id to send: a Cloud error body still proves the API answers
    const unclaimedAnswer =
      !ctx.settings.claimId.value && r.response.status !== 200 && r.response.status < 500
        ? parseCloudError(r.response.body.toString('utf8'))
        : undefined
    if (unclaimedAnswer) {
      const e = describeCloudError(unclaimedAnswer)
      return {
        detail: `the Cloud API answers (${r.response.statusLine.slice(9)}, ${e}: expected without a claim id); this node is not claimed: claiming would add the challenge/password and the MQTT link`,
        fix: 'claim the node: netdata-cloud claim',
        status: 'WARN',
      }
    }

    if (r.response.status !== 200)
      return cloudFailure('GET /api/v1/env', r.response, 'retry later; if it persists, check status.netdata.cloud')
    const check = validateEnv(r.response.body.toString('utf8'), v, mqttProtocol(ctx))
    if (!check.ok)
      return {
        code: 'cloudApi',
        detail: `200 but the agent would reject it: ${check.problems.join('; ')}`,
        fix: 'the /env answer does not suit this agent version: upgrade the agent, or check that the cloud URL is Netdata Cloud',
        status: 'FAIL',
      }
    ctx.env = {
      authEndpoint: check.authEndpoint!,
      encoding: check.encoding!,
      mqttEndpoint: check.mqttEndpoint!,
      transport: check.transport!,
    }
    const detail = `${r.response.statusLine.slice(9)}; encoding ${check.encoding}, auth ${check.authEndpoint!.origin}${check.authEndpoint!.pathname}, ${check.transport} ${check.mqttEndpoint!.host}`
    if (!ctx.settings.claimId.value)
      return {
        detail: `${detail}; this node is not claimed: claiming would add the challenge/password and the MQTT link`,
        fix: 'claim the node: netdata-cloud claim',
        status: 'WARN',
      }
    if (check.warnings.length > 0) return {detail: `${detail}; ${check.warnings.join('; ')}`, status: 'WARN'}
    return {detail, status: 'PASS'}
  },
}

export const challengeStep: Step = {
  id: 'challenge',
  needs: ['env'],
  target: ctx => (ctx.env ? `${ctx.env.authEndpoint.host}${ctx.env.authEndpoint.pathname}` : ''),
  timeoutCode: 'cloudApi',
  title: 'challenge/password',
  async run(ctx, signal): Promise<StepResult> {
    const claimId = ctx.settings.claimId.value
    if (!claimId)
      return {
        detail:
          "not claimed: claiming would add a key pair and a claim id, then this step decrypts Cloud's challenge with the key and gets the MQTT credentials",
        fix: 'netdata-cloud claim',
        status: 'SKIP',
      }
    if (!ctx.settings.privateKeyPem)
      return {
        code: 'notClaimed',
        detail: `no usable private key (${ctx.settings.keyPath}): ${ctx.settings.keyProblems.join('; ') || 'missing'}`,
        fix: 'claim the node again to make a new key pair',
        status: 'FAIL',
      }
    const v = linkVersion(ctx)
    const env = ctx.env!
    const legacy = !usesEnv(v)
    const cPath = challengePath(env.authEndpoint, claimId, 'challenge')
    const c = await call(ctx, env.authEndpoint, 'GET', cPath, signal)
    if (!c.response)
      return {
        code: 'cloudApi',
        detail: `GET challenge: ${c.error}`,
        fix: 'retry later; check any proxy that inspects HTTPS',
        status: 'FAIL',
      }
    if (c.response.status !== 200) {
      const f = cloudFailure('GET challenge', c.response, 'Cloud does not accept this claim id: claim the node again')
      return {...f, code: f.code === 'cloudApi' && c.response.status < 500 ? 'auth' : f.code}
    }

    const parsed = parseChallenge(c.response.body.toString('utf8'), v)
    if (!parsed.bytes)
      return {
        code: 'auth',
        detail: `challenge: ${parsed.problem}`,
        fix: 'the cloud URL may not be Netdata Cloud; check it',
        status: 'FAIL',
      }
    let secret: Buffer
    try {
      secret = decryptChallenge(ctx.settings.privateKeyPem, parsed.bytes)
    } catch {
      return {
        code: 'auth',
        detail:
          "the challenge does not decrypt with this node's private key (RSA-OAEP SHA-1): Cloud holds another public key for this claim id",
        fix: 'the key pair changed after claiming: claim the node again',
        status: 'FAIL',
      }
    }

    const pPath = challengePath(env.authEndpoint, claimId, 'password')
    const p = await call(ctx, env.authEndpoint, 'POST', pPath, signal, passwordBody(encodeResponse(secret, v), v))
    if (!p.response)
      return {
        code: 'cloudApi',
        detail: `POST password: ${p.error}`,
        fix: 'retry later',
        status: 'FAIL',
      }
    if (p.response.status !== 201) {
      const f = cloudFailure(
        'POST password (expected 201)',
        p.response,
        'Cloud rejected the answer to its challenge: claim the node again',
      )
      return {...f, code: f.code === 'cloudApi' && p.response.status < 500 ? 'auth' : f.code}
    }

    const answer = parsePasswordAnswer(p.response.body.toString('utf8'), claimId, v, env.encoding, legacy)
    registerSecret(answer.password)
    if (answer.problems.length > 0)
      return {
        code: 'cloudApi',
        detail: `201 but ${answer.problems.join('; ')}`,
        fix: 'the password answer does not suit this agent version: upgrade the agent',
        status: 'FAIL',
      }
    ctx.credentials = {
      clientId: answer.clientId!,
      password: answer.password!,
      topics: answer.topics,
      username: answer.username!,
    }
    const reuse = c.reused && p.reused ? ', same TLS connection as /env' : ''
    return {
      detail: `challenge 200 (${parsed.bytes.length} bytes) decrypted with the node key; password 201: client id ${answer.clientId}, ${Object.keys(answer.topics).length} topics${reuse}`,
      status: 'PASS',
    }
  },
}
