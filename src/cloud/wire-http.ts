// HTTP/1.1 exactly as the agent's https_client.c sends it (netdata-facts.md §5.10): `Host` without the port,
// `User-Agent: Netdata/rocks newhttpclient`, `Content-Length` on POST only, nothing else. One request at a time on
// a connection we already opened (so env, challenge and password share one TLS session when the server keeps it
// alive). Bodies are capped; a server that drips, stalls or floods is cut off by the caller's signal or the cap.

import type {Duplex} from 'node:stream'

import {logged} from '../base/log.js'

export interface WireResponse {
  statusLine: string
  status: number
  headers: Record<string, string>
  body: Buffer
  /** the server will keep the connection open */
  keepAlive: boolean
}

export class WireError extends Error {
  constructor(
    message: string,
    readonly kind: 'closed' | 'malformed' | 'too-large' | 'aborted',
  ) {
    super(message)
  }
}

export interface WireRequest {
  method: 'GET' | 'POST'
  host: string
  path: string
  body?: string
}

export const MAX_HEADER_BYTES = 64 * 1024
export const MAX_BODY_BYTES = 1024 * 1024

export function formatRequest(r: WireRequest): string {
  let s = `${r.method} ${r.path} HTTP/1.1\r\nHost: ${r.host}\r\nUser-Agent: Netdata/rocks newhttpclient\r\n`
  if (r.method === 'POST') s += `Content-Length: ${Buffer.byteLength(r.body ?? '')}\r\n`
  return s + '\r\n' + (r.body ?? '')
}

/**
 * Send one request and read one response. `onBytes` reports progress (for a timeout message that says how much
 * arrived). The socket is destroyed when the response cannot be read to its end.
 */
export function wireRequest(
  socket: Duplex,
  request: WireRequest,
  signal: AbortSignal,
  onBytes?: (n: number) => void,
  maxBody = MAX_BODY_BYTES,
): Promise<WireResponse> {
  return logged(
    'request',
    `${request.method} https://${request.host}${request.path}`,
    () => exchange(socket, request, signal, onBytes, maxBody),
    r => `${r.statusLine}, ${r.body.length} bytes`,
  )
}

function exchange(
  socket: Duplex,
  request: WireRequest,
  signal: AbortSignal,
  onBytes: ((n: number) => void) | undefined,
  maxBody: number,
): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0)
    let received = 0
    let head: undefined | {statusLine: string; status: number; headers: Record<string, string>; bodyStart: number}
    const cleanup = () => {
      socket.off('data', onData)
      socket.off('end', onEnd)
      socket.off('close', onEnd)
      socket.off('error', onError)
      signal.removeEventListener('abort', onAbort)
    }

    const fail = (e: WireError) => {
      cleanup()
      socket.destroy()
      reject(e)
    }

    const succeed = (r: WireResponse) => {
      cleanup()
      socket.pause()
      if (!r.keepAlive) socket.destroy()
      resolve(r)
    }

    const tryParse = (ended: boolean) => {
      if (!head) {
        const end = buf.indexOf('\r\n\r\n')
        if (end === -1) {
          if (buf.length > MAX_HEADER_BYTES)
            fail(new WireError(`response headers larger than ${MAX_HEADER_BYTES} bytes`, 'too-large'))
          else if (ended)
            fail(
              new WireError(
                received === 0
                  ? 'the server closed the connection without answering'
                  : `the server closed the connection after ${received} bytes of headers`,
                'closed',
              ),
            )
          return
        }

        const lines = buf.subarray(0, end).toString('latin1').split('\r\n')
        const statusLine = lines[0]
        const m = /^HTTP\/1\.([01]) (\d{3})/.exec(statusLine)
        if (!m) {
          fail(new WireError(`not an HTTP/1.1 response: ${JSON.stringify(statusLine.slice(0, 60))}`, 'malformed'))
          return
        }

        const headers: Record<string, string> = {}
        for (const line of lines.slice(1)) {
          const i = line.indexOf(':')
          if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim()
        }

        head = {
          bodyStart: end + 4,
          headers,
          status: Number(m[2]),
          statusLine,
        }
        const length = headers['content-length']
        if (length !== undefined && Number(length) > maxBody) {
          fail(
            new WireError(
              `response body of ${Number(length)} bytes announced: over the ${maxBody}-byte cap`,
              'too-large',
            ),
          )
          return
        }
      }

      const {bodyStart, headers} = head
      const keepAlive = !/close/i.test(headers.connection ?? '') && head.statusLine.startsWith('HTTP/1.1')
      const rest = buf.subarray(bodyStart)
      if (headers['content-length'] !== undefined) {
        const n = Number(headers['content-length'])
        if (rest.length >= n)
          succeed({
            body: Buffer.from(rest.subarray(0, n)),
            headers,
            keepAlive,
            status: head.status,
            statusLine: head.statusLine,
          })
        else if (ended)
          fail(new WireError(`the server closed the connection after ${rest.length} of ${n} body bytes`, 'closed'))
        return
      }

      if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
        const decoded = dechunk(rest, maxBody)
        if (decoded === 'too-large')
          fail(new WireError(`chunked response body over the ${maxBody}-byte cap`, 'too-large'))
        else if (decoded)
          succeed({
            body: decoded,
            headers,
            keepAlive,
            status: head.status,
            statusLine: head.statusLine,
          })
        else if (ended)
          fail(new WireError('the server closed the connection in the middle of a chunked body', 'closed'))
        return
      }

      if (head.status === 204 || head.status === 304) {
        succeed({
          body: Buffer.alloc(0),
          headers,
          keepAlive,
          status: head.status,
          statusLine: head.statusLine,
        })
        return
      }

      // no length: the body ends when the connection closes
      if (rest.length > maxBody) fail(new WireError(`response body over the ${maxBody}-byte cap`, 'too-large'))
      else if (ended)
        succeed({
          body: Buffer.from(rest),
          headers,
          keepAlive: false,
          status: head.status,
          statusLine: head.statusLine,
        })
    }

    const onData = (chunk: Buffer) => {
      received += chunk.length
      onBytes?.(received)
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
      if (buf.length > MAX_HEADER_BYTES + maxBody * 2)
        fail(new WireError(`response over the ${maxBody}-byte cap`, 'too-large'))
      else tryParse(false)
    }

    const onEnd = () => tryParse(true)
    const onError = (e: Error) => fail(new WireError(`connection error: ${e.message}`, 'closed'))
    const onAbort = () => fail(new WireError(`aborted after ${received} bytes`, 'aborted'))
    if (signal.aborted) {
      onAbort()
      return
    }

    socket.on('data', onData)
    socket.once('end', onEnd)
    socket.once('close', onEnd)
    socket.once('error', onError)
    signal.addEventListener('abort', onAbort, {once: true})
    socket.write(formatRequest(request))
    socket.resume()
  })
}

/** Decode a complete chunked body, or return null when more bytes are needed. */
function dechunk(data: Buffer, maxBody: number): 'too-large' | Buffer | null {
  const parts: Buffer[] = []
  let total = 0
  let at = 0
  for (;;) {
    const eol = data.indexOf('\r\n', at)
    if (eol === -1) return null
    const size = Number.parseInt(data.subarray(at, eol).toString('latin1'), 16)
    if (Number.isNaN(size)) return null
    if (total + size > maxBody) return 'too-large'
    if (size === 0) return !data.includes('\r\n', eol + 2) ? null : Buffer.concat(parts)
    if (data.length < eol + 2 + size + 2) return null
    parts.push(data.subarray(eol + 2, eol + 2 + size))
    total += size
    at = eol + 2 + size + 2
  }
}
