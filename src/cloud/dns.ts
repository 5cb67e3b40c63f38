// Name resolution as a person debugging it needs to see it: A and AAAA asked separately through the system's
// nameservers (node's c-ares Resolver), plus what getaddrinfo (what the agent calls) answers, which also reads
// /etc/hosts and nsswitch. Literal IPs and `localhost` need no lookup.
//
// getaddrinfo runs in a child process (systemLookup). In this process it would run on libuv's thread pool, where it
// cannot be cancelled, and Node joins those threads at exit: a nameserver that never answers kept the finished CLI
// alive for glibc's own timeouts (10 s by default) after it had printed its verdict. A child is killed at the timeout.

import {promises as dnsPromises} from 'node:dns'
import {isIP} from 'node:net'

import {type FamilyAnswer, systemLookup} from '../base/lookup.js'

export interface DnsAnswer {
  host: string
  literal: boolean
  v4: FamilyAnswer
  v6: FamilyAnswer
  /** getaddrinfo's answer (reads /etc/hosts), in its order */
  system: FamilyAnswer
  nameservers: string[]
  ms: number
}

const MEANING: Record<string, string> = {
  ECONNREFUSED: 'the nameserver refused the query',
  ENODATA: 'no record of this type',
  ENOTFOUND: 'NXDOMAIN: the name does not exist',
  EREFUSED: 'the nameserver refused the query',
  ESERVFAIL: 'SERVFAIL: the nameserver failed to answer',
  ETIMEOUT: 'no answer from the nameserver (timeout)',
  ECANCELLED: 'cancelled (step timeout)',
  EAI_AGAIN: 'temporary failure in name resolution',
}

export function dnsMeaning(code: string | undefined): string {
  return code ? (MEANING[code] ?? code) : 'ok'
}

export function isLiteralHost(host: string): boolean {
  return isIP(host) !== 0 || host === 'localhost'
}

/**
 * Resolve `host`; never throws, and answers within `timeoutMs` (so the step can say which query got no answer).
 * c-ares gives up on a silent nameserver after about 4× its timeout with 2 tries (measured with c-ares 1.34.6 in
 * Node 20.20: 500 ms → 2.0 s), so T/6 each ends it at ~2T/3; getaddrinfo gets 4T/5.
 */
export async function resolveHost(host: string, timeoutMs: number, signal?: AbortSignal): Promise<DnsAnswer> {
  const started = Date.now()
  const resolver = new dnsPromises.Resolver({timeout: Math.max(50, Math.floor(timeoutMs / 6)), tries: 2})
  const nameservers = resolver.getServers()
  const family = isIP(host)
  if (family !== 0 || host === 'localhost') {
    const v4 = family === 4 || host === 'localhost' ? [host === 'localhost' ? '127.0.0.1' : host] : []
    const v6 = family === 6 ? [host] : []
    return {
      host,
      literal: true,
      ms: 0,
      nameservers,
      system: {addresses: [...v4, ...v6]},
      v4: {addresses: v4},
      v6: {addresses: v6},
    }
  }

  const cancel = () => resolver.cancel()
  signal?.addEventListener('abort', cancel, {once: true})
  const ask = (p: Promise<string[]>): Promise<FamilyAnswer> =>
    p
      .then(addresses => ({addresses}))
      .catch((error: NodeJS.ErrnoException) => ({addresses: [], error: error.code ?? error.message}))
  const [v4, v6, sys] = await Promise.all([
    ask(resolver.resolve4(host)),
    ask(resolver.resolve6(host)),
    systemLookup(host, Math.max(50, Math.floor(timeoutMs * 0.8)), signal),
  ])
  signal?.removeEventListener('abort', cancel)
  return {
    host,
    literal: false,
    ms: Date.now() - started,
    nameservers,
    system: sys,
    v4,
    v6,
  }
}

// The child: getaddrinfo with AF_UNSPEC in getaddrinfo's own order, like the agent; one JSON line.

/** The addresses to connect to, IPv4 first (like the agent's getaddrinfo order on most systems). */
export function connectOrder(answer: DnsAnswer): string[] {
  const v4 = new Set([...answer.system.addresses.filter(a => isIP(a) === 4), ...answer.v4.addresses])
  const v6 = new Set([...answer.system.addresses.filter(a => isIP(a) === 6), ...answer.v6.addresses])
  return [...v4, ...v6]
}
