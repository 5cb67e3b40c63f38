// Name resolution as a person debugging it needs to see it: A and AAAA asked separately through the system's
// nameservers (node's c-ares Resolver), plus what getaddrinfo (what the agent calls) answers, which also reads
// /etc/hosts. Literal IPs and `localhost` need no lookup.

import {promises as dnsPromises} from 'node:dns'
import {isIP} from 'node:net'

export interface FamilyAnswer {
  addresses: string[]
  /** ENOTFOUND, ENODATA, ESERVFAIL, ETIMEOUT…; undefined when it answered */
  error?: string
}

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

/** Resolve `host`; never throws. `timeoutMs` bounds every query. */
export async function resolveHost(host: string, timeoutMs: number, signal?: AbortSignal): Promise<DnsAnswer> {
  const started = Date.now()
  const resolver = new dnsPromises.Resolver({timeout: Math.max(100, Math.floor(timeoutMs / 2)), tries: 2})
  const nameservers = resolver.getServers()
  const family = isIP(host)
  if (family !== 0 || host === 'localhost') {
    const v4 = family === 4 || host === 'localhost' ? [host === 'localhost' ? '127.0.0.1' : host] : []
    const v6 = family === 6 ? [host] : []
    return {
      host, literal: true, ms: 0, nameservers, system: {addresses: [...v4, ...v6]}, v4: {addresses: v4}, v6: {addresses: v6},
    }
  }

  const cancel = () => resolver.cancel()
  signal?.addEventListener('abort', cancel, {once: true})
  const ask = (p: Promise<string[]>): Promise<FamilyAnswer> =>
    p.then(addresses => ({addresses})).catch((error: NodeJS.ErrnoException) => ({addresses: [], error: error.code ?? error.message}))
  const system = dnsPromises
  .lookup(host, {all: true, verbatim: true})
  .then(list => ({addresses: list.map(a => a.address)}))
  .catch((error: NodeJS.ErrnoException) => ({addresses: [], error: error.code ?? error.message}))
  const [v4, v6, sys] = await Promise.all([ask(resolver.resolve4(host)), ask(resolver.resolve6(host)), system])
  signal?.removeEventListener('abort', cancel)
  return {
    host, literal: false, ms: Date.now() - started, nameservers, system: sys, v4, v6,
  }
}

/** The addresses to connect to, IPv4 first (like the agent's getaddrinfo order on most systems). */
export function connectOrder(answer: DnsAnswer): string[] {
  const v4 = new Set([...answer.system.addresses.filter(a => isIP(a) === 4), ...answer.v4.addresses])
  const v6 = new Set([...answer.system.addresses.filter(a => isIP(a) === 6), ...answer.v6.addresses])
  return [...v4, ...v6]
}
