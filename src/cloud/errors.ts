// Netdata Cloud's answers to a claim request, mapped to one clear message each (netdata-facts.md §4.1, §4.3).
// The v1 script's exit codes 0–18 (claim/claim.c `claiming_errors[]`) are kept alongside, so a user who knows
// "exit 12" from kickstart or the script finds the same case here.

import {type ErrorCode, UserError} from '../base/errors.js'

/** The v1 `netdata-claim.sh` exit codes and their meaning. */
export const CLAIM_SCRIPT_EXIT: Record<number, string> = {
  0: 'Agent claimed successfully',
  1: 'Unknown argument',
  2: 'Problems with claiming working directory',
  3: 'Missing dependencies',
  4: 'Failure to connect to endpoint',
  5: "The CLI didn't work",
  6: 'Wrong user',
  7: 'Unknown HTTP error message',
  8: 'invalid node id',
  9: 'invalid node name',
  10: 'invalid room id',
  11: 'invalid public key',
  12: 'token expired/token not found/invalid token',
  13: 'already claimed',
  14: 'processing claiming',
  15: 'Internal Server Error',
  16: 'Gateway Timeout',
  17: 'Service Unavailable',
  18: 'Agent Unique Id Not Readable',
}

export interface ClaimAnswer {
  ok: boolean
  status: number
  /** Cloud's `errorMsgKey`, when the body has one */
  errorMsgKey?: string
  /** the v1 script's exit code for the same answer */
  scriptExit: number
  code: ErrorCode
  message: string
  fix?: string
  /** whether sending the same request again may succeed */
  retryable: boolean
}

export interface Known {
  scriptExit: number
  code: ErrorCode
  message: string
  fix: string
  retryable: boolean
}

/** A copied VM or disk keeps the machine GUID (and claim id) of the node it was copied from: Cloud then sees two. */
export const CLONE_FIX =
  'if this machine was cloned from another node (a copied VM, disk or container image: the same machine GUID), give it its own identity: netdata-cloud unclaim --regenerate-guid --yes, then claim again'

export const BY_KEY: Record<string, Known> = {
  ErrForbidden: {
    code: 'claimRejected',
    fix: 'copy a fresh claim token from Netdata Cloud (Space settings → Nodes → Connect nodes) and check --url points at that Cloud',
    message: 'Netdata Cloud rejected the claim token: it is expired, unknown, or invalid (403)',
    retryable: false,
    scriptExit: 12,
  },
  ErrInvalidNodeID: {
    code: 'claimRejected',
    fix: `pass a UUID with --id, or let netdata-cloud pick one (omit --id); without --id, Cloud refuses this node's identity: ${CLONE_FIX}`,
    message: 'Netdata Cloud rejected the node id (claim id): not a valid UUID (422 ErrInvalidNodeID)',
    retryable: false,
    scriptExit: 8,
  },
  ErrInvalidNodeName: {
    code: 'claimRejected',
    fix: 'pass a plain host name with --hostname (letters, digits, dots, dashes)',
    message: 'Netdata Cloud rejected the node name (422 ErrInvalidNodeName)',
    retryable: false,
    scriptExit: 9,
  },
  ErrInvalidRoomID: {
    code: 'claimRejected',
    fix: "copy the room ids from the Cloud UI (Connect nodes dialog), or omit --rooms to use the Space's default room",
    message: 'Netdata Cloud rejected one or more room ids (422 ErrInvalidRoomID)',
    retryable: false,
    scriptExit: 10,
  },
  ErrInvalidPublicKey: {
    code: 'claimRejected',
    fix: 'regenerate the key pair: netdata-cloud unclaim --rotate-key --yes, then claim again',
    message: "Netdata Cloud rejected the node's public key (422 ErrInvalidPublicKey)",
    retryable: false,
    scriptExit: 11,
  },
  ErrAlreadyClaimed: {
    code: 'claimRejected',
    fix: `Cloud holds this claim id with another key: claim with a new id (netdata-cloud claim --force, which picks a fresh one, or --id $(uuidgen)); remove the stale node in the Cloud UI; ${CLONE_FIX}`,
    message: 'Netdata Cloud says this node id is already claimed, with different credentials (409 ErrAlreadyClaimed)',
    retryable: false,
    scriptExit: 13,
  },
  ErrProcessingClaim: {
    code: 'cloudApi',
    fix: 'wait a minute, then run `netdata-cloud status`; claim again only if the node is still not claimed',
    message: 'Netdata Cloud is still processing an earlier claim of this node (102 ErrProcessingClaim)',
    retryable: true,
    scriptExit: 14,
  },
  ErrInternalServerError: {
    code: 'cloudApi',
    fix: 'try again in a few minutes; check https://status.netdata.cloud',
    message: 'Netdata Cloud answered Internal Server Error (500)',
    retryable: true,
    scriptExit: 15,
  },
  ErrGatewayTimeout: {
    code: 'cloudApi',
    fix: 'try again in a few minutes; if it persists, check the proxy between this node and Netdata Cloud',
    message: 'Netdata Cloud answered Gateway Timeout (504)',
    retryable: true,
    scriptExit: 16,
  },
  ErrServiceUnavailable: {
    code: 'cloudApi',
    fix: 'try again in a few minutes; check https://status.netdata.cloud',
    message: 'Netdata Cloud is unavailable (503)',
    retryable: true,
    scriptExit: 17,
  },
}

/** When the body has no errorMsgKey, the status alone decides (the v2 agent does the same). */
const BY_STATUS: Record<number, string> = {
  102: 'ErrProcessingClaim',
  403: 'ErrForbidden',
  409: 'ErrAlreadyClaimed',
  500: 'ErrInternalServerError',
  503: 'ErrServiceUnavailable',
  504: 'ErrGatewayTimeout',
}

/** Cloud's `errorMsgKey` from a body, if it is JSON with a string key (or the script's compact grep form). */
export function errorMsgKeyOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as {errorMsgKey?: unknown}
    if (typeof parsed?.errorMsgKey === 'string') return parsed.errorMsgKey
  } catch {}

  return /"errorMsgKey"\s*:\s*"([A-Za-z]+)"/.exec(body)?.[1]
}

/** Map a claim answer (HTTP status + body) to one outcome. 204 is the only success, as for every agent era. */
export function interpretClaimAnswer(status: number, body: string): ClaimAnswer {
  if (status === 204)
    return {
      code: 'ok',
      message: 'Node was successfully claimed.',
      ok: true,
      retryable: false,
      scriptExit: 0,
      status,
    }
  const key = errorMsgKeyOf(body)
  const known =
    (key && BY_KEY[key] && (status === 422 || BY_STATUS[status] === key || status >= 400) ? BY_KEY[key] : undefined) ??
    BY_KEY[BY_STATUS[status] ?? '']
  if (known)
    return {
      ...known,
      errorMsgKey: key,
      ok: false,
      status,
    }
  if (status === 422) {
    return {
      code: 'claimRejected',
      errorMsgKey: key,
      fix: 'check the token, rooms, --id and --hostname',
      message: `Netdata Cloud rejected the claim (422 ${key ?? 'without an errorMsgKey'})`,
      ok: false,
      retryable: false,
      scriptExit: 7,
      status,
    }
  }

  const what =
    status >= 200 && status < 300 ? `an unexpected success status ${status} (only 204 means claimed)` : `HTTP ${status}`
  return {
    code: 'cloudApi',
    errorMsgKey: key,
    fix:
      status === 404 || (status >= 200 && status < 300)
        ? 'check --url: it must be the Netdata Cloud base URL, e.g. https://app.netdata.cloud'
        : 'try again later; run `netdata-cloud link` to diagnose the path',
    message: `Netdata Cloud answered ${what}${key ? ` (${key})` : ''}: the claim did not happen`,
    ok: false,
    retryable: status >= 500,
    scriptExit: 7,
    status,
  }
}

/** The UserError for a failed claim answer. */
export function claimAnswerError(answer: ClaimAnswer, url: string): UserError {
  return new UserError(answer.code, answer.message, {
    fix: answer.fix,
    ref: `${url} (v1 claim script: exit ${answer.scriptExit}, ${CLAIM_SCRIPT_EXIT[answer.scriptExit]})`,
  })
}
