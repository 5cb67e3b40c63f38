// TCP connect with the reasons a firewall or a routing problem gives: refused, timed out (filtered), unreachable.

import {connect, type Socket} from 'node:net'

export interface TcpAttempt {
  address: string
  port: number
  ok: boolean
  ms: number
  /** ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH… */
  error?: string
}

const MEANING: Record<string, string> = {
  EACCES: 'blocked by a local firewall rule',
  EADDRNOTAVAIL: 'no local address for this family',
  ECONNREFUSED: 'refused: nothing listens there, or a firewall rejects',
  ECONNRESET: 'reset by the peer',
  EHOSTUNREACH: 'host unreachable (no route)',
  ENETUNREACH: 'network unreachable: no route for this address family',
  EPERM: 'blocked by a local firewall rule',
  ETIMEDOUT: 'timed out: filtered by a firewall, or the host is down',
}

export function tcpMeaning(code: string | undefined): string {
  return code ? (MEANING[code] ?? code) : 'connected'
}

/** Connect to one address; resolves with the socket or the failure, never throws. */
export function tcpConnect(
  address: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{attempt: TcpAttempt; socket?: Socket}> {
  const started = Date.now()
  return new Promise(resolve => {
    const socket = connect({host: address, noDelay: true, port})
    const finish = (error?: string) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      socket.off('connect', onConnect)
      socket.off('error', onError)
      if (error) socket.destroy()
      resolve({
        attempt: {
          address,
          error,
          ms: Date.now() - started,
          ok: !error,
          port,
        },
        socket: error ? undefined : socket,
      })
    }

    const onConnect = () => finish()
    const onError = (e: NodeJS.ErrnoException) => finish(e.code ?? e.message)
    const onAbort = () => finish('ETIMEDOUT')
    const timer = setTimeout(() => finish('ETIMEDOUT'), Math.max(1, timeoutMs))
    socket.once('connect', onConnect)
    socket.once('error', onError)
    signal?.addEventListener('abort', onAbort, {once: true})
  })
}
