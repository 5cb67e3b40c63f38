// Tunnels through the proxies the ACLK understands (parsed by ./proxy.ts, netdata-facts.md §5.8). The tunnel is made
// on a TCP socket already opened: HTTP CONNECT by hand (so the proxy's own status line can be shown), SOCKS5
// with the `socks` package on that existing socket.

import type {Socket} from 'node:net'
import type {Duplex} from 'node:stream'

import {connectOrder, resolveHost} from './dns.js'
import type {ProxySpec} from './proxy.js'
import {tcpConnect} from './tcp.js'

export interface TunnelResult {
  ok: boolean
  /** the proxy's status line or SOCKS reply, as received */
  reply: string
  /** HTTP status, or SOCKS5 reply code */
  code?: number
  detail: string
  fix?: string
  /** the stream to the target (the same socket for HTTP CONNECT) */
  stream?: Duplex
  /** request/response exchanges made with the proxy */
  exchanges: number
}

const MAX_PROXY_REPLY = 16 * 1024

/** HTTP CONNECT as v2.11 sends it: `CONNECT h:p HTTP/1.1`, `Host: h:p`, Basic auth when credentials are given. */
export async function httpConnect(
  socket: Duplex,
  proxy: ProxySpec,
  host: string,
  port: number,
  signal: AbortSignal,
): Promise<TunnelResult> {
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`
  let request = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`
  if (proxy.username !== undefined) {
    request += `Proxy-Authorization: Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}\r\n`
  }

  request += '\r\n'
  const head = await readHead(socket, request, signal)
  if (head.error)
    return {
      detail: head.error,
      exchanges: 1,
      ok: false,
      reply: head.statusLine ?? '',
    }
  const statusLine = head.statusLine ?? ''
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)
  if (!m)
    return {
      detail: `the proxy did not answer like an HTTP proxy: ${JSON.stringify(statusLine.slice(0, 60))}`,
      exchanges: 1,
      fix: 'check the proxy URL: is this port an HTTP proxy (not SOCKS)?',
      ok: false,
      reply: statusLine,
    }
  const code = Number(m[1])
  if (code === 200) {
    if (head.rest.length > 0) socket.unshift(head.rest)
    return {
      code,
      detail: `CONNECT ${authority}: ${statusLine}`,
      exchanges: 1,
      ok: true,
      reply: statusLine,
      stream: socket,
    }
  }

  const who = proxy.username === undefined ? 'no credentials were sent' : `user ${proxy.username}, password ****`
  const known: Record<number, [string, string]> = {
    401: [
      `proxy authentication failed (${who})`,
      'check the proxy user and password (some proxies, e.g. tinyproxy 1.11, answer 401 instead of 407)',
    ],
    403: [
      `the proxy refuses CONNECT to ${authority}`,
      `allow CONNECT to port ${port} on the proxy (tinyproxy: ConnectPort ${port}; squid: SSL_ports)`,
    ],
    407: [
      `proxy authentication required (${who})`,
      'put the credentials in the proxy URL: http://user:pass@host:port (percent-encode special characters)',
    ],
    500: [
      `the proxy could not connect to ${authority}`,
      'the proxy cannot reach Netdata Cloud: check its own DNS and firewall',
    ],
    502: [
      `the proxy could not connect to ${authority} (bad gateway)`,
      'the proxy cannot reach Netdata Cloud: check its own DNS and firewall',
    ],
    503: [
      `the proxy could not connect to ${authority} (service unavailable)`,
      'the proxy cannot reach Netdata Cloud: check its own DNS and firewall',
    ],
    504: [
      `the proxy timed out connecting to ${authority}`,
      'the proxy cannot reach Netdata Cloud: check its own firewall',
    ],
  }
  const [what, fix] = known[code] ?? [
    `the proxy refused the tunnel to ${authority}`,
    "check the proxy's log for this CONNECT",
  ]
  return {
    code,
    detail: `${what}: ${statusLine}`,
    exchanges: 1,
    fix,
    ok: false,
    reply: statusLine,
  }
}

interface Head {
  statusLine?: string
  rest: Buffer
  error?: string
}

function readHead(socket: Duplex, request: string, signal: AbortSignal): Promise<Head> {
  return new Promise(resolve => {
    let buf = Buffer.alloc(0)
    const done = (h: Head) => {
      socket.off('data', onData)
      socket.off('error', onError)
      socket.off('end', onEnd)
      signal.removeEventListener('abort', onAbort)
      resolve(h)
    }

    const firstLine = () => buf.toString('latin1').split('\r\n')[0]
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      const end = buf.indexOf('\r\n\r\n')
      if (end !== -1) {
        socket.pause()
        done({rest: buf.subarray(end + 4), statusLine: firstLine()})
      } else if (buf.length > MAX_PROXY_REPLY)
        done({
          error: `the proxy's reply headers exceed ${MAX_PROXY_REPLY} bytes`,
          rest: Buffer.alloc(0),
          statusLine: firstLine(),
        })
    }

    const onError = (e: Error) =>
      done({
        error: `the proxy connection failed: ${e.message}`,
        rest: Buffer.alloc(0),
        statusLine: buf.length > 0 ? firstLine() : undefined,
      })
    const onEnd = () =>
      done({
        error:
          buf.length > 0
            ? `the proxy closed the connection after ${JSON.stringify(firstLine().slice(0, 60))}`
            : 'the proxy closed the connection without answering the CONNECT (is it an HTTP proxy?)',
        rest: Buffer.alloc(0),
        statusLine: buf.length > 0 ? firstLine() : undefined,
      })
    const onAbort = () => {
      socket.destroy()
      done({error: 'aborted', rest: Buffer.alloc(0)})
    }

    socket.on('data', onData)
    socket.once('error', onError)
    socket.once('end', onEnd)
    signal.addEventListener('abort', onAbort, {once: true})
    socket.write(request)
    socket.resume()
  })
}

const SOCKS5_REPLIES: Record<string, [number, string]> = {
  AddressNotSupported: [8, 'address type not supported'],
  CommandNotSupported: [7, 'command not supported'],
  NotAllowed: [2, 'connection not allowed by ruleset'],
  ConnectionRefused: [5, 'connection refused by the target'],
  Failure: [1, 'general SOCKS server failure'],
  HostUnreachable: [4, 'host unreachable'],
  NetworkUnreachable: [3, 'network unreachable'],
  TTLExpired: [6, 'TTL expired'],
}

/** SOCKS5 CONNECT on an open socket to the proxy. socks5h sends the name; socks5 sends the address we resolved. */
export async function socks5Connect(
  socket: Duplex,
  proxy: ProxySpec,
  host: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<TunnelResult> {
  const {SocksClient} = await import('socks')
  const exchanges = 1 + (proxy.username === undefined ? 0 : 1) + 1
  try {
    const abort = () => socket.destroy(new Error('aborted'))
    signal.addEventListener('abort', abort, {once: true})
    const {socket: stream} = await SocksClient.createConnection({
      command: 'connect',
      destination: {host, port},
      existing_socket: socket,
      proxy: {
        host: proxy.host ?? '',
        password: proxy.password,
        port: proxy.port ?? 1080,
        type: 5,
        userId: proxy.username,
      },
      timeout: Math.max(1, timeoutMs),
    }).finally(() => signal.removeEventListener('abort', abort))
    return {
      code: 0,
      detail: `SOCKS5 CONNECT ${host}:${port}: reply 0 (succeeded)`,
      exchanges,
      ok: true,
      reply: 'reply 0',
      stream,
    }
  } catch (error) {
    const {message} = error as Error
    const named = /rejected connection - (\w+)/.exec(message)?.[1]
    if (named) {
      const [code, meaning] = SOCKS5_REPLIES[named] ?? [undefined, named]
      const fix =
        code === 2
          ? "the proxy's rules do not allow this destination: allow Netdata Cloud on port " + port
          : code === 4 || code === 3
            ? 'the proxy cannot resolve or reach Netdata Cloud: check its DNS and routes'
            : 'check that the proxy can reach Netdata Cloud'
      return {
        code,
        detail: `SOCKS5 reply ${code ?? '?'} (${meaning}) for ${host}:${port}`,
        exchanges,
        fix,
        ok: false,
        reply: `reply ${code}`,
      }
    }

    if (/Authentication failed/i.test(message)) {
      return {
        detail: `SOCKS5 username/password rejected (user ${proxy.username ?? '(none)'}, password ****)`,
        exchanges,
        fix: 'check the proxy user and password in the proxy URL',
        ok: false,
        reply: 'auth 01 01',
      }
    }

    if (/no accepted authentication type/i.test(message)) {
      return {
        detail: `the SOCKS5 proxy accepts none of the offered methods (${proxy.username === undefined ? 'no credentials given' : 'username/password offered'})`,
        exchanges: 1,
        fix: 'the proxy needs credentials: socks5://user:pass@host:port',
        ok: false,
        reply: '05 ff',
      }
    }

    if (/timed out/i.test(message))
      return {
        detail: 'the SOCKS5 proxy did not answer the handshake (is it a SOCKS5 proxy, not HTTP?)',
        exchanges: 1,
        fix: 'check the proxy URL scheme and port',
        ok: false,
        reply: '',
      }
    if (/invalid socks version|initial handshake response|Socket closed/i.test(message)) {
      return {
        detail: `not a SOCKS5 answer (${message})`,
        exchanges: 1,
        fix: 'check the proxy URL scheme and port: is this a SOCKS5 proxy?',
        ok: false,
        reply: '',
      }
    }

    return {
      detail: `SOCKS5 failed: ${message}`,
      exchanges: 1,
      ok: false,
      reply: '',
    }
  }
}

export interface Dialed {
  /** the stream to host:port (the TCP socket, or the tunnel through the proxy) */
  stream?: Duplex
  /** the TCP socket under it (destroy it when done) */
  socket?: Socket
  /** which hop failed, and how */
  failure?: 'dns' | 'proxy' | 'tcp'
  error?: string
  /** the proxy's answer when the tunnel was made */
  tunnel?: string
  roundTrips: number
}

/**
 * Open a stream to host:port as the agent does: directly, or through its proxy (TCP to the proxy, then HTTP CONNECT
 * or SOCKS5; socks5:// resolves the target here, http:// and socks5h:// leave it to the proxy). `left()` is the time
 * each step may still take.
 */
export async function dialThrough(
  proxy: ProxySpec,
  host: string,
  port: number,
  left: () => number,
  signal: AbortSignal,
): Promise<Dialed> {
  const via = proxy.kind === 'http' || proxy.kind === 'socks5' || proxy.kind === 'socks5h'
  const hopHost = via ? (proxy.host ?? '') : host
  const hopPort = via ? (proxy.port ?? 0) : port
  const hop = via ? `proxy ${proxy.display}: ` : ''
  let roundTrips = 0
  const addresses = connectOrder(await resolveHost(hopHost, left(), signal))
  if (addresses.length === 0)
    return {error: `${hop}${hopHost} did not resolve`, failure: via ? 'proxy' : 'dns', roundTrips}
  let socket: Socket | undefined
  const tried: string[] = []
  for (const a of addresses) {
    const r = await tcpConnect(a, hopPort, left(), signal)
    roundTrips++
    if (r.socket) {
      socket = r.socket
      break
    }

    tried.push(`${a}:${hopPort} (${r.attempt.error})`)
  }

  if (!socket)
    return {error: `${hop}no TCP connection to ${tried.join(', ')}`, failure: via ? 'proxy' : 'tcp', roundTrips}
  if (!via) return {roundTrips, socket, stream: socket}
  let target = host
  if (proxy.kind === 'socks5') {
    const t = connectOrder(await resolveHost(host, left(), signal))
    if (t.length === 0) {
      socket.destroy()
      return {error: `${host} did not resolve (socks5:// sends an address)`, failure: 'dns', roundTrips}
    }

    target = t[0]
  }

  const tunnel =
    proxy.kind === 'http'
      ? await httpConnect(socket, proxy, target, port, signal)
      : await socks5Connect(socket, proxy, target, port, left(), signal)
  roundTrips += tunnel.exchanges
  if (!tunnel.ok || !tunnel.stream) {
    socket.destroy()
    return {error: `${hop}${tunnel.detail}`, failure: 'proxy', roundTrips}
  }

  return {roundTrips, socket, stream: tunnel.stream, tunnel: tunnel.detail}
}
