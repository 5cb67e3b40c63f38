// One HTTPS listener for everything, like Cloud's single host: the claim API, /env, the OTP endpoints and the
// WebSocket upgrade to MQTT at /mqtt. Answers are HTTP/1.1 with Content-Length, never chunked, few short headers
// (agents ≤ v1.41 read bodies only by Content-Length and fail on header fields ≥ 256 bytes: netdata-facts.md §5.10).
// Every socket is tracked so close() ends stalled and flooded ones too.

import {once} from 'node:events'
import {createServer, type Server} from 'node:https'
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {Socket} from 'node:net'

import {WebSocketServer} from 'ws'

import {handleClaim} from './claim-api.js'
import type {EmulatorContext} from './context.js'
import {handleEnv} from './env-api.js'
import type {Endpoint, Fault} from './faults.js'
import {MqttBroker} from './mqtt-broker.js'
import {handleChallenge, handlePassword} from './otp-api.js'
import type {RequestRecord} from './records.js'
import {cloudError, errorMsgKeyOf, type Reply} from './replies.js'

const MAX_BODY_BYTES = 64 * 1024
const IDLE_TIMEOUT_MS = 60_000
const FLOOD_LIMIT_BYTES = 1 << 30

interface Route {
  endpoint: Endpoint
  handle: (body: string) => Promise<Reply> | Reply
}

function route(
  ctx: EmulatorContext,
  method: string,
  path: string,
  query: string,
  host: string | undefined,
): Route | Reply {
  let m = /^\/api\/v1\/spaces\/nodes\/([^/]+)\/?$/.exec(path)
  if (m) {
    const id = decodeURIComponent(m[1])
    return method === 'PUT'
      ? {endpoint: 'claim', handle: body => handleClaim(ctx, id, body)}
      : cloudError(405, 'ErrMethodNotAllowed', 'use PUT')
  }

  if (path === '/api/v1/env')
    return method === 'GET'
      ? {endpoint: 'env', handle: () => handleEnv(ctx, query, host)}
      : cloudError(405, 'ErrMethodNotAllowed', 'use GET')
  m = /^\/api\/v1\/auth\/node\/([^/]+)\/(challenge|password)$/.exec(path)
  if (m) {
    const id = decodeURIComponent(m[1])
    if (m[2] === 'challenge')
      return method === 'GET'
        ? {endpoint: 'challenge', handle: () => handleChallenge(ctx, id)}
        : cloudError(405, 'ErrMethodNotAllowed', 'use GET')
    return method === 'POST'
      ? {endpoint: 'password', handle: body => handlePassword(ctx, id, body)}
      : cloudError(405, 'ErrMethodNotAllowed', 'use POST')
  }

  if (path === '/mqtt') return cloudError(400, 'ErrBadRequest', 'this path expects a WebSocket upgrade')
  return cloudError(404, 'ErrNotFound', 'no such endpoint')
}

function isRoute(r: Route | Reply): r is Route {
  return 'endpoint' in r
}

function send(res: ServerResponse, reply: Reply): void {
  const body =
    reply.body === undefined
      ? undefined
      : Buffer.from(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body))
  if (reply.status < 200) {
    // Cloud's 102 ErrProcessingClaim: a status line with a body is not HTTP any client handles as a final answer,
    // so write it raw and close, the way the v1 claim script (curl -i, last line with the status) can read it
    const head = `HTTP/1.1 ${reply.status} Processing\r\nContent-Type: application/json\r\nContent-Length: ${body?.length ?? 0}\r\nConnection: close\r\n\r\n`
    res.socket?.end(body ? Buffer.concat([Buffer.from(head), body]) : head)
    return
  }

  const headers: Record<string, string> = {
    ...(body
      ? {'Content-Type': 'application/json', 'Content-Length': String(body.length)}
      : reply.status === 204
        ? {}
        : {'Content-Length': '0'}),
    ...reply.headers,
  }
  res.writeHead(reply.status, headers)
  res.end(body)
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) return undefined
    chunks.push(chunk as Buffer)
  }

  return Buffer.concat(chunks).toString('utf8')
}

export interface EmulatorServer {
  server: Server
  broker: MqttBroker
  setCertificate(cert: string): void
  listen(port: number, host: string): Promise<number>
  close(): Promise<void>
}

export function createEmulatorServer(ctx: EmulatorContext, tls: {key: string; cert: string}): EmulatorServer {
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let closing = false
  const delay = (ms: number) =>
    new Promise<void>(resolve => {
      const t = setTimeout(() => {
        timers.delete(t)
        resolve()
      }, ms)
      timers.add(t)
    })

  const finish = (record: RequestRecord, started: number, reply: Reply | undefined, note = '') => {
    record.ms = Math.round(performance.now() - started)
    if (reply) {
      record.status = reply.status
      const key = errorMsgKeyOf(reply)
      if (key) record.errorMsgKey = key
    }

    ctx.records.changed()
    const faults = record.faults.length > 0 ? ` [${record.faults.join(' ')}]` : ''
    ctx.log(
      `${record.method} ${record.path} → ${reply ? reply.status : note}${record.errorMsgKey ? ` ${record.errorMsgKey}` : ''} (${record.ms} ms)${faults}`,
    )
  }

  const flood = async (res: ServerResponse) => {
    res.writeHead(200, {'Content-Type': 'application/json', 'Content-Length': String(FLOOD_LIMIT_BYTES)})
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    let sent = 0
    // `closing` is set by close() while this loop awaits
    // eslint-disable-next-line no-unmodified-loop-condition
    while (!res.destroyed && !closing && sent < FLOOD_LIMIT_BYTES) {
      sent += chunk.length
      if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')])
    }

    res.destroy()
  }

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now()
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    // a slash too many (an authEndpoint with a trailing slash gives `//node/…`: correction 20) is tolerated
    const path = (q === -1 ? url : url.slice(0, q)).replace(/\/{2,}/g, '/')
    const query = q === -1 ? '' : url.slice(q + 1)
    const target = route(ctx, req.method ?? 'GET', path, query, req.headers.host)
    const record: RequestRecord = {
      at: new Date().toISOString(),
      method: req.method ?? '',
      path: url,
      faults: [],
      ...(isRoute(target) ? {endpoint: target.endpoint} : {}),
    }
    ctx.records.requests.push(record)
    const body = await readBody(req)
    if (body === undefined) {
      const reply = cloudError(413, 'ErrPayloadTooLarge', 'request body too large')
      send(res, reply)
      finish(record, started, reply)
      return
    }

    if (!isRoute(target)) {
      send(res, target)
      finish(record, started, target)
      return
    }

    const faults = ctx.faults()
    const active = (name: 'flood' | 'slow' | 'stall'): Fault | undefined => {
      const f = faults.at(target.endpoint, name)
      if (f) record.faults.push(f.spec)
      return f
    }

    if (active('stall')) {
      finish(record, started, undefined, 'stalled, no answer')
      return
    }

    const slow = active('slow')
    if (slow) await delay(slow.arg ?? 0)
    if (closing) return
    if (active('flood')) {
      finish(record, started, undefined, '200 endless body')
      await flood(res)
      return
    }

    const reply = await target.handle(body)
    for (const f of faults.activeAt(target.endpoint)) if (!record.faults.includes(f.spec)) record.faults.push(f.spec)
    send(res, reply)
    finish(record, started, reply)
  }

  const server = createServer({key: tls.key, cert: tls.cert}, (req, res) => {
    onRequest(req, res).catch((error: Error) => {
      ctx.log(`internal error answering ${req.method} ${req.url}: ${error.message}`)
      if (!res.headersSent) send(res, cloudError(500, 'ErrInternalServerError', 'internal server error'))
    })
  })
  server.headersTimeout = 10_000
  server.requestTimeout = 15_000
  server.keepAliveTimeout = 5000
  server.setTimeout(IDLE_TIMEOUT_MS)
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('tlsClientError', (error: Error, socket: Socket) =>
    ctx.log(`TLS handshake with ${socket.remoteAddress}:${socket.remotePort} failed: ${error.message.trim()}`),
  )
  // a client that checks the host name (or the chain) after the handshake just closes: say so, at --verbose
  const spoke = new WeakSet<Socket>()
  server.on('request', (req: IncomingMessage) => spoke.add(req.socket))
  server.on('secureConnection', (socket: Socket) => {
    if (!ctx.verbose) return
    socket.once('close', () => {
      if (!spoke.has(socket))
        ctx.log(
          `TLS connection from ${socket.remoteAddress}:${socket.remotePort} closed before any request: the client may not accept the certificate (host name, chain or dates)`,
        )
    })
  })

  const broker = new MqttBroker(ctx)
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1 << 20,
    handleProtocols: protocols => (protocols.has('mqtt') ? 'mqtt' : false),
  })
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    spoke.add(socket)
    const started = performance.now()
    const path = (req.url ?? '/').split('?')[0].replace(/\/{2,}/g, '/')
    const record: RequestRecord = {
      at: new Date().toISOString(),
      method: 'GET',
      path: req.url ?? '/',
      endpoint: 'mqtt',
      faults: [],
    }
    ctx.records.requests.push(record)
    const refuse = (status: number, reason: string, text: string) => {
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\nConnection: close\r\n\r\n${text}`,
      )
      finish(record, started, {status})
    }

    if (path !== '/mqtt') return refuse(404, 'Not Found', 'not found\n')
    const noUpgrade = ctx.faults().at('mqtt', 'no-upgrade')
    if (noUpgrade) {
      record.faults.push(noUpgrade.spec)
      return refuse(400, 'Bad Request', 'no upgrade\n')
    }

    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map(p => p.trim())
      .filter(p => p !== '')
    wss.handleUpgrade(req, socket, head, ws => {
      finish(record, started, {status: 101})
      broker.handle(ws, `${socket.remoteAddress}:${socket.remotePort}`, offered)
    })
  })

  return {
    server,
    broker,
    setCertificate(cert: string) {
      server.setSecureContext({key: tls.key, cert})
    },
    async listen(port: number, host: string) {
      server.listen(port, host)
      await once(server, 'listening')
      const address = server.address()
      return typeof address === 'object' && address ? address.port : port
    },
    async close() {
      closing = true
      for (const t of timers) clearTimeout(t)
      timers.clear()
      broker.closeAll()
      wss.close()
      const closed = new Promise<void>(resolve => {
        server.close(() => resolve())
      })
      for (const s of sockets) s.destroy()
      await closed
    },
  }
}
