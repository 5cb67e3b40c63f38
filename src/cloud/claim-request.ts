// The claim request, sent again as the agent era does (netdata-facts §4): v1 retries only a failed connection, with the
// same claim id (1 s, 2 s); v2 --direct also a 102/5xx or unknown answer, up to 5 attempts, a new claim id each.
// Never after a certificate, clock, proxy-credential or NXDOMAIN failure: those do not heal by themselves.

import {randomUUID} from 'node:crypto'
import {setTimeout as sleep} from 'node:timers/promises'

import {UserError} from '../base/errors.js'
import {type ClaimAnswer, claimAnswerError, interpretClaimAnswer} from './errors.js'
import {httpsRequest, type HttpsOptions, type HttpsResponse} from './http.js'

/** One attempt before the last, and why it was sent again. */
export interface ClaimAttempt {
  claimId: string
  outcome: string
  waitedMs: number
}

/**
 * How a claim request is sent again, as the agent era does it (netdata-facts.md §4):
 * - v1 (netdata-claim.sh): curl in a loop of 3, sleeping 1 s then 2 s, only when curl itself failed (no HTTP answer);
 *   every attempt with the same claim id. An HTTP answer, even a 5xx, ends the script.
 * - v2 (the agent's claim): up to 5 attempts for retryable answers (102, 5xx, unknown statuses) and transport errors,
 *   sleeping 300 ms + 100 ms × n, with a new claim id each time.
 * Unlike the agent, failures that cannot heal in seconds (TLS verification, a wrong clock, proxy credentials, a name
 * that does not exist, bad input) are never retried: only connection failures, timeouts and DNS without an answer.
 */
export interface ClaimRetryPolicy {
  /** attempts after the first */
  retries: number
  /** whether an HTTP answer (not only a failed connection) may be retried */
  retryAnswers: boolean
  /** a new claim id for each attempt */
  newIdEachAttempt: boolean
  /** the wait before attempt n + 1 (n ≥ 1) */
  delayMs: (n: number) => number
}

export function claimRetryPolicy(v2: boolean, retries?: number): ClaimRetryPolicy {
  if (v2)
    return {
      delayMs: n => 300 + 100 * n,
      newIdEachAttempt: true,
      retries: retries ?? 4,
      retryAnswers: true,
    }
  return {
    delayMs: n => 1000 * n,
    newIdEachAttempt: false,
    retries: retries ?? 2,
    retryAnswers: false,
  }
}

/** A transport failure that another attempt in a second may not meet (see claimRetryPolicy). */
export function isTransientFailure(error: unknown): boolean {
  if (!(error instanceof UserError)) return false
  if (error.code === 'tcp' || error.code === 'timeout') return true
  return error.code === 'dns' && /EAI_AGAIN|in time/.test(error.message)
}

export interface ClaimSend {
  body: Record<string, unknown> & {node: {hostname: string; id: string}}
  /** --id: every attempt keeps it */
  fixedId: boolean
  headers: Record<string, string>
  http: HttpsOptions
  /** --retries (default: the era's) */
  retries?: number
  progress: (message: string) => void
  proxyText: string
  urlFor: (claimId: string) => string
  v2: boolean
}

/**
 * The claim PUT, sent again as the era's policy says (claimRetryPolicy). Returns the answer that ended it (204 or not),
 * with the claim id it was for; throws the last transport failure, naming the attempts before it.
 */
export async function sendClaimRequest(send: ClaimSend): Promise<{
  answer: ClaimAnswer
  response: HttpsResponse
  claimId: string
  retried: ClaimAttempt[]
}> {
  const policy = claimRetryPolicy(send.v2, send.retries)
  const retried: ClaimAttempt[] = []
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1 && policy.newIdEachAttempt && !send.fixedId) send.body.node.id = randomUUID()
    const claimId = send.body.node.id
    const url = send.urlFor(claimId)
    send.progress(`PUT ${url} (${send.proxyText})${attempt > 1 ? `, attempt ${attempt} of ${policy.retries + 1}` : ''}`)
    const last = attempt > policy.retries
    let failure = ''
    let response: HttpsResponse | undefined
    try {
      response = await httpsRequest(
        {
          body: JSON.stringify(send.body),
          headers: send.headers,
          method: 'PUT',
          url,
        },
        send.http,
      )
    } catch (error) {
      if (last || !isTransientFailure(error)) throw withAttempts(error, retried)
      failure = (error as UserError).message
    }

    if (response) {
      const answer = interpretClaimAnswer(response.status, response.body)
      if (answer.ok)
        return {
          answer,
          claimId,
          response,
          retried,
        }
      const retryAfterMs = retryAfter(response.headers['retry-after'])
      // Cloud said when to come back: wait that long (up to a minute), and name it when giving up
      const tooLong = retryAfterMs !== null && retryAfterMs > MAX_RETRY_AFTER_MS
      if (last || !answer.retryable || !policy.retryAnswers || tooLong)
        throw withAttempts(withRetryAfter(claimAnswerError(answer, url), retryAfterMs), retried)
      failure = answer.message
      if (retryAfterMs !== null) {
        const wait = Math.max(policy.delayMs(attempt), retryAfterMs)
        retried.push({claimId, outcome: failure, waitedMs: wait})
        send.progress(
          `${failure}: Netdata Cloud asks to retry after ${retryAfterMs / 1000} s (Retry-After): trying again in ${wait} ms`,
        )
        await sleep(wait)
        continue
      }
    }

    const wait = policy.delayMs(attempt)
    retried.push({claimId, outcome: failure, waitedMs: wait})
    send.progress(`${failure}: trying again in ${wait} ms`)
    await sleep(wait)
  }
}

const MAX_RETRY_AFTER_MS = 60_000

/** `Retry-After: SECONDS` or an HTTP date, in milliseconds from now; null when absent or unreadable. */
export function retryAfter(value: string | undefined): null | number {
  if (!value) return null
  const text = value.trim()
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now())
}

/** The fix of a failed answer says the time Cloud gave, instead of "a few minutes". */
function withRetryAfter(error: UserError, ms: null | number): UserError {
  if (ms === null) return error
  const s = Math.ceil(ms / 1000)
  return new UserError(error.code, `${error.message}; Netdata Cloud asks to retry after ${s} s (Retry-After)`, {
    cause: error.cause,
    fix: `try again in ${s} s (Netdata Cloud's Retry-After)${error.fix ? `; ${error.fix.replace(/^try again in a few minutes;?\s*/, '')}` : ''}`.replace(
      /; $/,
      '',
    ),
    ref: error.ref,
  })
}

/** A failed claim says how many attempts it took. */
export function withAttempts(error: unknown, retried: ClaimAttempt[]): unknown {
  if (retried.length === 0 || !(error instanceof UserError)) return error
  return new UserError(
    error.code,
    `${error.message} (attempt ${retried.length + 1}; before: ${retried.map(r => r.outcome).join('; ')})`,
    {cause: error, fix: error.fix, ref: error.ref},
  )
}
