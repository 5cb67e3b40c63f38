// The one HTTPS client of the project (claim, link): undici, with netdata's proxy values, a CA file, a deadline per
// request that destroys the dispatcher, a response size cap, and every failure turned into one classified UserError.
//
// Why a fresh dispatcher per request and a timer that destroys it: undici 7.30's ProxyAgent reconnects in a tight loop
// when a proxy closes during CONNECT, and neither AbortSignal nor headersTimeout stops it (fixtures/proxies/README.md,
// quirk 1). SOCKS5 goes through the `socks` package (undici rejects `socks5h://`, does not decode SOCKS URL
// credentials, and has fixed 5 s handshake timeouts); TLS is then run over that socket by node:tls.
// undici and socks are imported on first use, so commands that never talk to Cloud do not load them.

import {readFileSync} from 'node:fs'
import {isIP, type Socket} from 'node:net'
import {connect as tlsConnect, type TLSSocket} from 'node:tls'

import {errnoCode, UserError} from '../base/errors.js'
import {logged} from '../base/log.js'
import {redactUrl, registerSecret} from '../base/secrets.js'
import {childProcessLookup, lookupAddresses} from '../base/lookup.js'
import {certificateTimeCode, classifyTransportError} from './transport-errors.js'
import {serverDate} from './tls-probe.js'
import {decodeSafely, parseProxy, type Proxy, type ProxySource, type SocksProxy} from './proxy.js'

export const DEFAULT_TIMEOUT_MS = 10_000
/** v2.11 caps the claim response at 10 MiB; nothing Cloud sends us is larger. */
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024

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

/**
 * Send one HTTPS request and read the whole (capped) answer. Throws a classified UserError on any transport failure.
 */
export function httpsRequest(req: HttpsRequest, options: HttpsOptions = {}): Promise<HttpsResponse> {
  const via = options.proxy && options.proxy !== 'none' ? ` via proxy ${redactUrl(options.proxy)}` : ''
  return logged(
    'request',
    `${req.method} ${redactUrl(req.url)}${via}`,
    () => send(req, options),
    r => `HTTP ${r.status}, ${Buffer.byteLength(r.body)} bytes`,
  )
}

async function send(req: HttpsRequest, options: HttpsOptions): Promise<HttpsResponse> {
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
    // an expired / not-yet-valid certificate: ask the server's clock, as link does, so both give one verdict
    const certificateTime =
      certificateTimeCode(error) && !expired && proxy.kind === 'none'
        ? await certificateTimeOf(target, Math.min(2000, timeoutMs))
        : undefined
    throw classifyTransportError(error, {
      certificateTime,
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

/** The leaf's validity and the server's Date, over an unverified connection (a HEAD /; nothing secret is sent). */
function certificateTimeOf(
  target: URL,
  timeoutMs: number,
): Promise<{leaf?: {validFrom: string; validTo: string}; serverDate: Date | null}> {
  return new Promise(resolve => {
    const started = Date.now()
    const host = target.hostname.replace(/^\[|\]$/g, '')
    const socket = tlsConnect({
      host,
      lookup: childProcessLookup(timeoutMs),
      port: Number(target.port) || 443,
      rejectUnauthorized: false,
      servername: isIP(host) === 0 ? host : undefined,
    })
    const timer = setTimeout(() => {
      socket.destroy()
      resolve({serverDate: null})
    }, timeoutMs)
    socket.once('error', () => {
      clearTimeout(timer)
      resolve({serverDate: null})
    })
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate()
      const leaf = cert?.valid_from ? {validFrom: cert.valid_from, validTo: cert.valid_to} : undefined
      serverDate(socket, target.host, timeoutMs - (Date.now() - started)).then(date => {
        clearTimeout(timer)
        resolve({leaf, serverDate: date})
      })
    })
  })
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
