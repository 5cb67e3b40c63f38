// `GET /api/v1/env` as each era's agent sends it, and the answer validated the way the agent does
// (netdata-facts.md §5.2, §0.1 #3, #7, #18, #19), plus Netdata's error bodies (errorMsgKey, retry delay, banned).

import {compareVersions, type Version} from '../base/version.js'

/** Versions from which the agent asks /env (v1.31+; v1.30 NG and legacy go straight to the challenge). */
export function usesEnv(v: Version): boolean {
  return compareVersions(v, [1, 31, 0]) >= 0
}

export function versionText(v: Version): string {
  return v.join('.')
}

export function envPath(v: Version, claimId: string): string {
  const ver = versionText(v)
  if (compareVersions(v, [1, 32, 0]) < 0) return `/api/v1/env?v=${ver}&cap=json$claim_id=${claimId}` // the v1.31 `$` bug, verbatim
  if (compareVersions(v, [1, 36, 0]) < 0) return `/api/v1/env?v=${ver}&cap=json,proto&claim_id=${claimId}`
  return `/api/v1/env?v=${ver}&cap=proto,ctx&claim_id=${claimId}`
}

export interface CloudErrorBody {
  errorCode?: string
  errorMsgKey?: string
  errorMessage?: string
  errorNonRetryable?: boolean
  errorRetryDelaySeconds?: number
}

/** A Netdata Cloud error body, when the text is one. */
export function parseCloudError(body: string): CloudErrorBody | null {
  try {
    const j = JSON.parse(body) as Record<string, unknown>
    if (j && typeof j === 'object' && (typeof j.errorMsgKey === 'string' || typeof j.errorCode === 'string')) {
      return {
        errorCode: typeof j.errorCode === 'string' ? j.errorCode : undefined,
        errorMessage: typeof j.errorMessage === 'string' ? j.errorMessage : undefined,
        errorMsgKey: typeof j.errorMsgKey === 'string' ? j.errorMsgKey : undefined,
        errorNonRetryable: j.errorNonRetryable === true,
        errorRetryDelaySeconds: typeof j.errorRetryDelaySeconds === 'number' ? j.errorRetryDelaySeconds : undefined,
      }
    }
  } catch {}

  return null
}

export function describeCloudError(e: CloudErrorBody): string {
  const parts = [`EC=${JSON.stringify(e.errorCode ?? '')}`, `Msg-Key=${JSON.stringify(e.errorMsgKey ?? '')}`]
  if (e.errorMessage) parts.push(`Msg=${JSON.stringify(e.errorMessage.slice(0, 200))}`)
  if (e.errorNonRetryable) parts.push('non-retryable: the agent marks itself banned')
  if (e.errorRetryDelaySeconds !== undefined) parts.push(`retry after ${e.errorRetryDelaySeconds} s`)
  return parts.join(', ')
}

export interface EnvValidation {
  ok: boolean
  problems: string[]
  warnings: string[]
  authEndpoint?: URL
  mqttEndpoint?: URL
  transport?: 'MQTTv3' | 'MQTTv5'
  encoding?: string
}

/** Validate an /env answer as an agent of version `v` would (and `mqtt5` for v1.35/v1.36). */
export function validateEnv(text: string, v: Version, mqtt: '3.1.1' | '5'): EnvValidation {
  const problems: string[] = []
  const warnings: string[] = []
  let j: Record<string, unknown>
  try {
    j = JSON.parse(text) as Record<string, unknown>
    if (!j || typeof j !== 'object' || Array.isArray(j)) throw new Error('not an object')
  } catch (error) {
    return {ok: false, problems: [`the body is not a JSON object (${(error as Error).message.slice(0, 80)})`], warnings}
  }

  const encoding = typeof j.encoding === 'string' ? j.encoding : undefined
  if (!encoding) problems.push('`encoding` missing')
  else if (compareVersions(v, [1, 36, 0]) >= 0 && encoding !== 'proto')
    problems.push(`encoding ${JSON.stringify(encoding)}: this agent can only use the new cloud protocol (proto)`)
  else if (encoding !== 'proto' && encoding !== 'json') problems.push(`unknown encoding ${JSON.stringify(encoding)}`)

  let authEndpoint: URL | undefined
  if (typeof j.authEndpoint === 'string') {
    try {
      authEndpoint = new URL(j.authEndpoint)
    } catch {
      problems.push(`authEndpoint ${JSON.stringify(j.authEndpoint)} is not a URL`)
    }
  } else problems.push('`authEndpoint` missing')

  const want: 'MQTTv3' | 'MQTTv5' = mqtt === '5' ? 'MQTTv5' : 'MQTTv3'
  let mqttEndpoint: URL | undefined
  if (Array.isArray(j.transports) && j.transports.length > 0) {
    for (const [i, t] of (j.transports as Array<Record<string, unknown>>).entries()) {
      const type = t?.type
      if ((type !== 'MQTTv3' && type !== 'MQTTv5') || typeof t?.endpoint !== 'string') {
        // the agent turns this entry and every later one into NULL (and may crash on it): §0.1 #3
        problems.push(
          `transports[${i}] has ${typeof t?.endpoint === 'string' ? `unknown type ${JSON.stringify(type)}` : 'no endpoint'}: the agent ignores it and every later entry`,
        )
        break
      }

      if (type === want && !mqttEndpoint) {
        try {
          mqttEndpoint = new URL(t.endpoint as string)
        } catch {
          problems.push(`transports[${i}].endpoint ${JSON.stringify(t.endpoint)} is not a URL`)
        }
      }
    }

    if (!mqttEndpoint && !problems.some(p => p.startsWith('transports')))
      problems.push(`no ${want} transport: this agent (MQTT ${mqtt}) cannot connect`)
  } else problems.push('`transports` missing or empty')

  const b = j.backoff as Record<string, unknown> | undefined
  if (!b || typeof b !== 'object') problems.push('`backoff` missing')
  else {
    if (!Number.isInteger(b.base) || (b.base as number) < 1 || (b.base as number) > 10)
      problems.push('backoff.base must be an integer 1–10')
    if (b.maxSeconds === undefined) warnings.push('backoff.maxSeconds missing: the agent reconnects without delay')
    else if (!Number.isInteger(b.maxSeconds) || (b.maxSeconds as number) < 500)
      problems.push('backoff.maxSeconds must be an integer ≥ 500')
    if (b.minSeconds !== undefined && (!Number.isInteger(b.minSeconds) || (b.minSeconds as number) < 0))
      problems.push('backoff.minSeconds must be an integer ≥ 0')
  }

  const caps = Array.isArray(j.capabilities) ? (j.capabilities as unknown[]) : undefined
  if (encoding === 'proto' && compareVersions(v, [1, 36, 0]) >= 0 && !caps?.includes('proto'))
    problems.push('capabilities lacks "proto"')
  return {
    authEndpoint,
    encoding,
    mqttEndpoint,
    ok: problems.length === 0,
    problems,
    transport: mqttEndpoint ? want : undefined,
    warnings,
  }
}
