// The one HTTPS client of the project (claim, link): undici, with netdata's proxy values, a CA file, a deadline per
// request that destroys the dispatcher, a response size cap, and every failure turned into one classified UserError.
//
// Why a fresh dispatcher per request and a timer that destroys it: undici 7.30's ProxyAgent reconnects in a tight loop
// when a proxy closes during CONNECT, and neither AbortSignal nor headersTimeout stops it (fixtures/proxies/README.md,
// quirk 1). SOCKS5 goes through the `socks` package (undici rejects `socks5h://`, does not decode SOCKS URL
// credentials, and has fixed 5 s handshake timeouts); TLS is then run over that socket by node:tls.
// undici and socks are imported on first use, so commands that never talk to Cloud do not load them.

import {readFileSync} from 'node:fs'
import type {Socket} from 'node:net'
import {connect as tlsConnect, type TLSSocket} from 'node:tls'

import {type ErrorCode, errnoCode, UserError} from '../base/errors.js'
import {childProcessLookup, lookupAddresses} from '../base/lookup.js'
import {redactUrl, registerSecret} from '../base/secrets.js'

export const DEFAULT_TIMEOUT_MS = 10_000
/** v2.11 caps the claim response at 10 MiB; nothing Cloud sends us is larger. */
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024

/** Where the proxy came from (shown to the user: "proxy http://h:3128 (from https_proxy)"). */
export type ProxySource = 'default' | 'env' | 'flag' | string

/** A resolved proxy. For socks5, remoteDns says who resolves the target name: the proxy (socks5h) or we (socks5). */
export type Proxy = HttpProxy | NoProxy | SocksProxy
export interface NoProxy {
  kind: 'none'
  source: ProxySource
}
export interface HttpProxy {
  kind: 'http'
  url: URL
  source: ProxySource
}
export interface SocksProxy {
  kind: 'socks5'
  url: URL
  remoteDns: boolean
  source: ProxySource
}

export interface HttpsOptions {
  /** netdata's proxy value: `none`, `` (none), `env`, `http://[u:p@]h:p`, `socks5://…`, `socks5h://…`; default `none` */
  proxy?: string
  /** where `proxy` came from, echoed in the resolved proxy */
  proxySource?: ProxySource
  /** the environment for `env` (curl's rules: https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY, no_proxy) */
  env?: NodeJS.ProcessEnv
  /**
   * a PEM bundle to trust instead of the system store (like curl --cacert; cloud.d/cloud_fullchain.pem, an emulator CA)
   */
  caFile?: string
  /** skip certificate verification (netdata's -insecure / `insecure = yes`) */
  insecure?: boolean
  /** the whole request, connect to last body byte */
  timeoutMs?: number
  maxBytes?: number
}

export interface HttpsRequest {
  method: 'DELETE' | 'GET' | 'POST' | 'PUT'
  url: string
  headers?: Record<string, string>
  body?: string
}

export interface HttpsResponse {
  status: number
  headers: Record<string, string>
  body: string
  /** wall time of the request */
  ms: number
  proxy: Proxy
}

/** Parse one of netdata's proxy values. Throws badInput for a value netdata would not accept either. */
export function parseProxy(
  value: string | undefined,
  source: ProxySource = 'default',
  env: NodeJS.ProcessEnv = process.env,
  target?: string,
): Proxy {
  const v = (value ?? 'none').trim()
  if (v === '' || v === 'none') return {kind: 'none', source}
  if (v === 'env') return proxyFromEnv(env, target)
  let url: URL
  try {
    url = new URL(v)
  } catch {
    throw new UserError('badInput', `proxy ${JSON.stringify(redactUrl(v))}: not a URL`, {
      fix: 'use none, env, http://[user:pass@]host:port, socks5://host:port or socks5h://host:port',
    })
  }

  if (url.password) {
    registerSecret(url.password)
    registerSecret(decodeSafely(url.password))
  }

  if (url.protocol === 'http:') return {kind: 'http', source, url}
  if (url.protocol === 'socks5:' || url.protocol === 'socks5h:')
    return {
      kind: 'socks5',
      remoteDns: url.protocol === 'socks5h:',
      source,
      url,
    }
  if (url.protocol === 'https:') {
    throw new UserError('badInput', `proxy ${redactUrl(v)}: netdata does not support TLS to the proxy (https://)`, {
      fix: 'use http://host:port; the tunnel to Cloud is still TLS end to end',
    })
  }

  throw new UserError('badInput', `proxy ${redactUrl(v)}: unsupported scheme ${url.protocol}`, {
    fix: 'use http://, socks5:// or socks5h://',
  })
}

/** curl's environment rules, which both the v1 claim script and the v2 agent's claim request follow. */
export function proxyFromEnv(env: NodeJS.ProcessEnv, target?: string): Proxy {
  const host = target ? new URL(target).hostname : undefined
  const noProxy = (env.no_proxy ?? env.NO_PROXY ?? '')
    .split(',')
    .map(s => s.trim().replace(/^\./, ''))
    .filter(Boolean)
  if (host && noProxy.some(n => n === '*' || host === n || host.endsWith('.' + n)))
    return {kind: 'none', source: 'env (no_proxy)'}
  for (const name of ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']) {
    const value = env[name]
    if (value) {
      const withScheme = /^[a-z0-9]+:\/\//i.test(value) ? value : `http://${value}`
      const p = parseProxy(withScheme, `env (${name})`, env)
      return p
    }
  }

  return {kind: 'none', source: 'env: no https_proxy/HTTPS_PROXY/all_proxy set'}
}

export function describeProxy(p: Proxy): string {
  if (p.kind === 'none') return `direct (${p.source})`
  return `${redactUrl(p.url.href)} (${p.source})`
}

/** A URL with its password replaced, for messages (the one implementation lives with the cloud settings). */

/**
 * Send one HTTPS request and read the whole (capped) answer. Throws a classified UserError on any transport failure.
 */
export async function httpsRequest(req: HttpsRequest, options: HttpsOptions = {}): Promise<HttpsResponse> {
  const target = new URL(req.url)
  if (target.protocol !== 'https:')
    throw new UserError('badInput', `${req.url}: only https:// URLs are used to talk to Netdata Cloud`)
  const proxy = parseProxy(options.proxy, options.proxySource, options.env ?? process.env, req.url)
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  const tls = tlsOptions(options)
  const undici = await import('undici')
  const dispatcher =
    proxy.kind === 'http'
      ? new undici.ProxyAgent({
          ...proxyAuth(proxy.url),
          proxyTls: {lookup: childProcessLookup(timeoutMs)},
          proxyTunnel: true,
          requestTls: tls,
          uri: proxyOrigin(proxy.url),
        })
      : new undici.Agent({
          connect:
            proxy.kind === 'socks5'
              ? socksConnector(proxy, tls, timeoutMs)
              : {...tls, lookup: childProcessLookup(timeoutMs)},
        })
  const started = performance.now()
  let expired = false
  // Cloud answers a claim still being processed with a bare `102` status line plus a body and a close; undici reports
  // the 102 as informational and then fails to parse the rest. Keep the status so the caller can still map it.
  let informational: number | undefined
  const timer = setTimeout(() => {
    expired = true
    dispatcher.destroy().catch(() => {})
  }, timeoutMs)
  try {
    const r = await undici.request(req.url, {
      body: req.body,
      dispatcher,
      headers: req.headers,
      method: req.method,
      onInfo({statusCode}) {
        if (statusCode >= 102 && statusCode !== 103) informational = statusCode
      },
    })
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of r.body as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > maxBytes) {
        r.body.destroy()
        throw new UserError(
          'cloudApi',
          `${target.origin}: the answer is larger than ${maxBytes} bytes; not a Netdata Cloud answer`,
          {fix: 'check the URL and the proxy: something else answered'},
        )
      }

      chunks.push(chunk)
    }

    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(r.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v
    return {
      body: Buffer.concat(chunks).toString('utf8'),
      headers,
      ms: Math.round(performance.now() - started),
      proxy,
      status: r.statusCode,
    }
  } catch (error) {
    if (error instanceof UserError) throw error
    if (informational && !expired)
      return {
        body: '',
        headers: {},
        ms: Math.round(performance.now() - started),
        proxy,
        status: informational,
      }
    throw classifyTransportError(error, {
      expired,
      proxy,
      target,
      timeoutMs,
    })
  } finally {
    clearTimeout(timer)
    dispatcher.destroy().catch(() => {})
  }
}

function tlsOptions(options: HttpsOptions): {ca?: string; rejectUnauthorized: boolean} {
  const out: {ca?: string; rejectUnauthorized: boolean} = {rejectUnauthorized: !options.insecure}
  if (options.caFile) {
    let pem: string
    try {
      pem = readFileSync(options.caFile, 'utf8')
    } catch (error) {
      throw new UserError(
        'badInput',
        `${options.caFile}: cannot read the CA file (${errnoCode(error) ?? (error as Error).message})`,
      )
    }

    if (!pem.includes('-----BEGIN CERTIFICATE-----'))
      throw new UserError('badInput', `${options.caFile}: no PEM certificate in it`)
    out.ca = pem
  }

  return out
}

/** Percent-decode URL credentials; a malformed escape is taken literally (as curl does). */
function decodeSafely(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

function proxyOrigin(url: URL): string {
  return `${url.protocol}//${url.host}`
}

function proxyAuth(url: URL): {token?: string} {
  if (!url.username && !url.password) return {}
  const basic = Buffer.from(`${decodeSafely(url.username)}:${decodeSafely(url.password)}`).toString('base64')
  registerSecret(basic)
  return {token: `Basic ${basic}`}
}

type Connector = (
  options: {hostname: string; port: string; servername?: string},
  callback: (...args: [Error, null] | [null, Socket | TLSSocket]) => void,
) => void

function socksConnector(
  proxy: SocksProxy,
  tls: {ca?: string; rejectUnauthorized: boolean},
  timeoutMs: number,
): Connector {
  return (opts, callback) => {
    const open = async (): Promise<TLSSocket> => {
      const {SocksClient} = await import('socks')
      // socks5:// sends an address: the name is resolved here (bounded like every lookup, cloud/dns.ts)
      const host = proxy.remoteDns ? opts.hostname : (await lookupAddresses(opts.hostname, timeoutMs))[0].address
      const {socket} = await SocksClient.createConnection({
        command: 'connect',
        destination: {host, port: Number(opts.port) || 443},
        proxy: {
          host: proxy.url.hostname.replace(/^\[|\]$/g, ''),
          password: proxy.url.password ? decodeSafely(proxy.url.password) : undefined,
          port: Number(proxy.url.port) || 1080,
          type: 5,
          userId: proxy.url.username ? decodeSafely(proxy.url.username) : undefined,
        },
        timeout: timeoutMs,
      })
      return new Promise((resolve, reject) => {
        const s = tlsConnect({...tls, servername: opts.servername ?? opts.hostname, socket})
        s.once('secureConnect', () => resolve(s))
        s.once('error', reject)
      })
    }

    open().then(
      s => callback(null, s),
      (error: Error) => callback(markSocks(error), null),
    )
  }
}

function markSocks(error: Error): Error {
  if (errnoCode(error) === undefined && !/^(Socks|Proxy connection)/.test(error.message)) return error
  return Object.assign(error, {viaSocks: true})
}

interface Context {
  expired: boolean
  proxy: Proxy
  target: URL
  timeoutMs: number
}

const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_|HOSTNAME_MISMATCH|ERR_OSSL)/

/** Turn whatever undici, node or socks threw into one UserError of the right class, naming the target and the proxy. */
export function classifyTransportError(error: unknown, ctx: Context): UserError {
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
    if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
      return mk('clock', text, 'check the system clock (date -u); a wrong clock makes valid certificates look expired')
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

const PROXY_STATUS: Record<number, string> = {
  401: 'the proxy rejected the credentials (401)',
  403: 'the proxy does not allow a tunnel to this host/port (403)',
  407: 'the proxy wants credentials (407 Proxy Authentication Required)',
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
