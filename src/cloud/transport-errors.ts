// Whatever undici, node:tls or socks threw, turned into one UserError of the right class (DNS, TCP, proxy, TLS, clock),
// naming the target and the proxy.

import {type ErrorCode, errnoCode, UserError} from '../base/errors.js'
import {describeProxy, type Proxy} from './proxy.js'

export interface TransportContext {
  /** for an expired / not-yet-valid certificate: what the server's leaf and Date say (see certificateTimeVerdict) */
  certificateTime?: {leaf?: {validFrom: string; validTo: string}; serverDate: Date | null}
  expired: boolean
  proxy: Proxy
  target: URL
  timeoutMs: number
}

const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_|HOSTNAME_MISMATCH|ERR_OSSL)/

/** Turn whatever undici, node or socks threw into one UserError of the right class, naming the target and the proxy. */
export function classifyTransportError(error: unknown, ctx: TransportContext): UserError {
  const e = deepest(error)
  const code = errnoCode(e) ?? (e as {code?: string}).code
  const msg = (e as Error)?.message ?? String(e)
  const where = ctx.target.host
  const via = ctx.proxy.kind === 'none' ? '' : ` through the proxy ${describeProxy(ctx.proxy)}`
  const mk = (c: ErrorCode, m: string, fix: string) => new UserError(c, m, {cause: error, fix})
  const timedOut =
    ['UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT'].includes(code ?? '') ||
    /timed out/i.test(msg)
  if (ctx.expired || timedOut) {
    return mk(
      'timeout',
      `${where}: no complete answer within ${ctx.timeoutMs} ms${via}`,
      'check the network path to Netdata Cloud (firewall, proxy); raise --timeout on a slow link',
    )
  }

  const proxyStatus = /Proxy response \((\d+)\)/.exec(msg)?.[1]
  if (proxyStatus) {
    const s = Number(proxyStatus)
    const why = PROXY_STATUS[s] ?? `the proxy answered ${s} to CONNECT ${where}`
    return mk(
      'proxy',
      `${why}${via}`,
      s === 407 || s === 401
        ? 'put user:password in the proxy URL: http://user:password@host:port'
        : "check the proxy's allowed CONNECT ports and that it can reach Netdata Cloud",
    )
  }

  if ((e as {viaSocks?: boolean}).viaSocks || /^Socks|^Proxy connection/.test(msg)) {
    if (/ConnectionRefused|HostUnreachable|NetworkUnreachable/.test(msg)) {
      return mk(
        'proxy',
        `the SOCKS proxy could not reach ${where}: ${msg}${via}`,
        'check that the proxy can reach Netdata Cloud',
      )
    }

    return mk(
      'proxy',
      `SOCKS5 proxy failed: ${msg}${via}`,
      /Authentication/i.test(msg)
        ? 'check the user and password in the socks5:// URL'
        : 'check the proxy address and that it speaks SOCKS5',
    )
  }

  if (
    ctx.proxy.kind !== 'none' &&
    (code === 'ECONNREFUSED' ||
      code === 'ECONNRESET' ||
      code === 'EHOSTUNREACH' ||
      code === 'ENOTFOUND' ||
      code === 'UND_ERR_SOCKET' ||
      code === 'UND_ERR_DESTROYED')
  ) {
    return mk(
      'proxy',
      `cannot use the proxy ${describeProxy(ctx.proxy)}: ${code}`,
      'check the proxy address, that it runs, and that it is an HTTP proxy for http:// (SOCKS for socks5://)',
    )
  }

  if (code === 'ETIMEOUT') {
    return mk(
      'dns',
      `${ctx.target.hostname}: no answer from the nameservers in time (getaddrinfo)`,
      'check /etc/resolv.conf and that UDP/TCP 53 to the nameservers is allowed; `netdata-cloud link` shows each query',
    )
  }

  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME') {
    return mk(
      'dns',
      `${ctx.target.hostname}: the name does not resolve (${code})`,
      'check /etc/resolv.conf and the URL; behind a proxy use socks5h:// or an HTTP proxy so the proxy resolves it',
    )
  }

  if (code && TLS_CODES.test(code)) {
    const text = `${where}: TLS certificate check failed: ${code} (${msg})${via}`
    if ((code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') && ctx.certificateTime) {
      const v = certificateTimeVerdict(code, ctx.certificateTime.leaf, ctx.certificateTime.serverDate)
      return mk(v.code, `${text}; ${v.detail}`, v.fix)
    }

    return mk(
      'tls',
      text,
      'a TLS-inspecting proxy or a private CA: put its CA bundle in cloud.d/cloud_fullchain.pem (or --ca FILE); --insecure only to test',
    )
  }

  if (code === 'ECONNRESET' && /socket disconnected before secure TLS connection|before secure TLS/i.test(msg)) {
    return mk(
      'tls',
      `${where}: the connection closed during the TLS handshake${via}`,
      'something on the path is not TLS (wrong port?) or drops TLS',
    )
  }

  if (
    code === 'ECONNREFUSED' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH' ||
    code === 'ETIMEDOUT' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'UND_ERR_SOCKET' ||
    code === 'UND_ERR_CLOSED'
  ) {
    return mk(
      'tcp',
      `${where}: TCP connection failed (${code})`,
      "check the URL's host and port and any firewall between this node and Netdata Cloud",
    )
  }

  return mk(
    'cloudApi',
    `${where}: request failed: ${code ? code + ' ' : ''}${msg}${via}`,
    'run `netdata-cloud link` for a step-by-step diagnosis',
  )
}

/**
 * The one verdict on an expired / not-yet-valid certificate, for claim and link (issue 13: claim said `clock` even
 * when the server's Date matched the local clock; link said `tls`). The local clock is to blame only when the server's
 * Date falls inside the leaf certificate's validity; otherwise (or with no Date to compare) the certificate is.
 */
export function certificateTimeVerdict(
  code: 'CERT_HAS_EXPIRED' | 'CERT_NOT_YET_VALID',
  leaf: undefined | {validFrom: string; validTo: string},
  serverDate: Date | null,
  now = Date.now(),
): {code: 'clock' | 'tls'; detail: string; fix: string} {
  const skew = serverDate ? Math.round((now - serverDate.getTime()) / 1000) : null
  if (serverDate && leaf && serverDate >= new Date(leaf.validFrom) && serverDate <= new Date(leaf.validTo)) {
    return {
      code: 'clock',
      detail: `server Date ${serverDate.toISOString()}, local clock is ${Math.abs(skew!)} s ${skew! > 0 ? 'ahead' : 'behind'}: the certificate is valid, the local clock is wrong`,
      fix: 'set the clock: timedatectl set-ntp true (or chronyd/ntpd)',
    }
  }

  return {
    code: 'tls',
    detail: serverDate
      ? `server Date ${serverDate.toISOString()} agrees (skew ${skew} s): the certificate itself is ${code === 'CERT_HAS_EXPIRED' ? 'expired' : 'not yet valid'}`
      : 'the server sent no Date to compare the clock with',
    fix:
      code === 'CERT_HAS_EXPIRED'
        ? "the server's certificate expired (or something intercepts TLS with an old one)"
        : "check the local clock (timedatectl) and the server's certificate",
  }
}

const PROXY_STATUS: Record<number, string> = {
  401: 'the proxy rejected the credentials (401)',
  403: 'the proxy does not allow a tunnel to this host/port (403)',
  407: 'the proxy wants credentials (407 Proxy Authentication Required)',
}

/** CERT_HAS_EXPIRED / CERT_NOT_YET_VALID when that is what `error` comes down to. */
export function certificateTimeCode(error: unknown): 'CERT_HAS_EXPIRED' | 'CERT_NOT_YET_VALID' | undefined {
  const code = (deepest(error) as {code?: string} | undefined)?.code
  return code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID' ? code : undefined
}

/** undici/fetch wrap the real cause one or two levels deep. */
function deepest(error: unknown): unknown {
  let e = error as {cause?: unknown; code?: string; message?: string} | undefined
  for (
    let i = 0;
    i < 4 &&
    e?.cause &&
    (e.code === undefined || (e.code === 'UND_ERR_ABORTED' && !/Proxy response/.test(e.message ?? '')));
    i++
  )
    e = e.cause as typeof e
  return e
}
