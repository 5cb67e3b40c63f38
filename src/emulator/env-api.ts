// GET /api/v1/env (netdata-facts.md §5.2): where to authenticate and which MQTT transports to use. Accepts every
// query form from v1.31 on, including v1.31's `cap=json$claim_id=…` (a `$` where `&` belongs).

import type {EmulatorContext} from './context.js'
import {cloudError, type Reply} from './replies.js'
import type {Encoding} from './topics.js'

export interface EnvQuery {
  version?: string
  capabilities: string[]
  claimId?: string
}

export function parseEnvQuery(query: string): EnvQuery {
  const params = new URLSearchParams(query)
  let cap = params.get('cap') ?? ''
  let claimId = params.get('claim_id') ?? undefined
  const dollar = cap.indexOf('$claim_id=')
  if (dollar !== -1) {
    claimId ??= cap.slice(dollar + '$claim_id='.length)
    cap = cap.slice(0, dollar)
  }

  return {
    ...(params.get('v') ? {version: params.get('v')!} : {}),
    capabilities: cap.split(',').filter(c => c !== ''),
    ...(claimId ? {claimId} : {}),
  }
}

/** The host to put in URLs: the one the client asked for, when the certificate names it. */
export function servedHost(ctx: EmulatorContext, hostHeader: string | undefined): string {
  const asked = (hostHeader ?? '')
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)]$/, '$1')
    .toLowerCase()
  return ctx.hostnames.includes(asked) ? asked : ctx.hostnames[0]
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

export function handleEnv(ctx: EmulatorContext, query: string, hostHeader: string | undefined): Reply {
  const faults = ctx.faults()
  const retry = faults.at('env', 'retry-after')
  if (retry) return cloudError(503, 'ErrServiceUnavailable', 'try again later', {errorRetryDelaySeconds: retry.arg})
  if (faults.at('env', 'banned'))
    return cloudError(403, 'ErrNodeBanned', 'this node is banned', {errorNonRetryable: true})
  if (faults.at('env', 'env-500')) return cloudError(500, 'ErrInternalServerError', 'internal server error')
  if (faults.at('env', 'env-bad-json'))
    return {
      status: 200,
      body: '{"encoding":"proto","authEndpoint":"https://',
      headers: {'Content-Type': 'application/json'},
    }

  const q = parseEnvQuery(query)
  if (!q.claimId) return cloudError(400, 'ErrBadRequest', 'claim_id is missing')
  const encoding: Encoding = q.capabilities.includes('proto') || q.capabilities.length === 0 ? 'proto' : 'json'
  ctx.otp.eras.set(q.claimId.toLowerCase(), {...(q.version ? {version: q.version} : {}), encoding})

  const base = `https://${urlHost(servedHost(ctx, hostHeader))}:${ctx.port()}`
  const mqtt = `wss://${urlHost(servedHost(ctx, hostHeader))}:${ctx.port()}/mqtt`
  const transports = [
    ...(faults.at('env', 'env-no-mqttv5') ? [] : [{type: 'MQTTv5', endpoint: mqtt}]),
    {type: 'MQTTv3', endpoint: mqtt},
  ]
  return {
    status: 200,
    body: {
      encoding,
      authEndpoint: `${base}/api/v1/auth`,
      transports,
      // all three keys: without maxSeconds the agent reconnects with no delay (correction 18)
      backoff: {base: 2, maxSeconds: 1024, minSeconds: 0},
      capabilities: encoding === 'proto' ? ['proto', ...(q.capabilities.includes('ctx') ? ['ctx'] : [])] : ['json'],
    },
  }
}
