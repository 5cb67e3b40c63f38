// Connections to Cloud hosts for the steps after tls: reuse an idle TLS connection to the same host:port (env,
// challenge, password and often the WebSocket share one), otherwise open a new one the same way the network
// steps did (resolve, TCP, proxy tunnel, TLS), counting round trips.

import type {TLSSocket} from 'node:tls'

import type {LinkContext, OpenConnection} from '../link-types.js'
import {dialThrough} from '../proxy-tunnel.js'
import {compareVersions} from '../../base/version.js'
import {tlsHandshake} from '../tls-probe.js'

export function keepConnection(ctx: LinkContext, conn: OpenConnection): void {
  if (!conn.socket.destroyed && conn.socket.writable) ctx.idle.push(conn)
}

export async function takeConnection(
  ctx: LinkContext,
  host: string,
  port: number,
  signal: AbortSignal,
): Promise<{conn?: OpenConnection; error?: string; reused: boolean}> {
  while (ctx.idle.length > 0) {
    const i = ctx.idle.findIndex(c => c.host === host && c.port === port)
    if (i === -1) break
    const [c] = ctx.idle.splice(i, 1)
    if (!c.socket.destroyed && c.socket.writable && c.socket.readable) return {conn: c, reused: true}
  }

  const opened = await dialTls(ctx, host, port, signal)
  return {...opened, reused: false}
}

/** Open a verified TLS connection to host:port through the configured proxy. */
export async function dialTls(
  ctx: LinkContext,
  host: string,
  port: number,
  signal: AbortSignal,
): Promise<{conn?: OpenConnection; error?: string}> {
  const dialed = await dialThrough(ctx.settings.proxy.value, host, port, () => ctx.timeoutMs, signal)
  ctx.roundTrips += dialed.roundTrips
  if (!dialed.stream) return {error: dialed.error}
  const {socket, stream} = dialed
  const tls = await tlsHandshake(stream, host, {
    // as the tls step: v1 agents do not check the host name
    checkHostName: compareVersions(ctx.settings.version.value ?? [2, 11, 0], [2, 0, 0]) >= 0,
    extraCa: ctx.settings.extraCa.map(c => c.value),
    insecure: ctx.settings.insecure,
    signal,
    timeoutMs: ctx.timeoutMs,
  })
  ctx.roundTrips += tls.protocol === 'TLSv1.3' ? 1 : 2
  if (!tls.ok || !tls.socket) {
    tls.socket?.destroy()
    socket?.destroy()
    return {error: `TLS to ${host}:${port}: ${tls.verifyError ?? tls.error}`}
  }

  ctx.connections++
  const conn = {host, port, socket: tls.socket as TLSSocket}
  ctx.disposers.push(() => conn.socket.destroy())
  return {conn}
}
