// Name resolution as a person debugging it needs to see it: A and AAAA asked separately through the system's
// nameservers (node's c-ares Resolver), plus what getaddrinfo (what the agent calls) answers, which also reads
// /etc/hosts and nsswitch. Literal IPs and `localhost` need no lookup.
//
// getaddrinfo runs in a child process (systemLookup). In this process it would run on libuv's thread pool, where it
// cannot be cancelled, and Node joins those threads at exit: a nameserver that never answers kept the finished CLI
// alive for glibc's own timeouts (10 s by default) after it had printed its verdict. A child is killed at the timeout.

import {execFile} from 'node:child_process'
import {promises as dnsPromises, type LookupAddress} from 'node:dns'
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
      host, literal: true, ms: 0, nameservers, system: {addresses: [...v4, ...v6]}, v4: {addresses: v4}, v6: {addresses: v6},
    }
  }

  const cancel = () => resolver.cancel()
  signal?.addEventListener('abort', cancel, {once: true})
  const ask = (p: Promise<string[]>): Promise<FamilyAnswer> =>
    p.then(addresses => ({addresses})).catch((error: NodeJS.ErrnoException) => ({addresses: [], error: error.code ?? error.message}))
  const [v4, v6, sys] = await Promise.all([ask(resolver.resolve4(host)), ask(resolver.resolve6(host)), systemLookup(host, Math.max(50, Math.floor(timeoutMs * 0.8)), signal)])
  signal?.removeEventListener('abort', cancel)
  return {
    host, literal: false, ms: Date.now() - started, nameservers, system: sys, v4, v6,
  }
}

// The child: getaddrinfo with AF_UNSPEC in getaddrinfo's own order, like the agent; one JSON line.
const LOOKUP_CHILD = `require('node:dns').lookup(process.argv[1], {all: true, verbatim: true}, (e, list) =>
  process.stdout.write(JSON.stringify(e ? {error: e.code || e.message} : {addresses: list.map(a => a.address)})))`

/**
 * getaddrinfo for `host` in a child process (see the top of this file): its addresses, or its error code (EAI_AGAIN,
 * ENOTFOUND, …), or ETIMEOUT when it has not answered within `timeoutMs` (the child is killed), ECANCELLED on abort.
 */
export function systemLookup(host: string, timeoutMs: number, signal?: AbortSignal): Promise<FamilyAnswer> {
  // only the resolver's own environment (RES_OPTIONS, LOCALDOMAIN, HOSTALIASES…) matters; a CA bundle or NODE_OPTIONS
  // would only slow the child's start
  const env = {...process.env}
  delete env.NODE_OPTIONS
  delete env.NODE_EXTRA_CA_CERTS
  return new Promise(resolve => {
    execFile(process.execPath, ['-e', LOOKUP_CHILD, '--', host], {
      encoding: 'utf8', env, killSignal: 'SIGKILL', maxBuffer: 64 * 1024, signal, timeout: timeoutMs,
    }, (error, stdout) => {
      if (error && (error as {killed?: boolean}).killed) resolve({addresses: [], error: signal?.aborted ? 'ECANCELLED' : 'ETIMEOUT'})
      else if (error) resolve({addresses: [], error: error.name === 'AbortError' ? 'ECANCELLED' : (error as NodeJS.ErrnoException).code?.toString() ?? error.message})
      else {
        try {
          const answer = JSON.parse(stdout) as FamilyAnswer
          resolve({addresses: answer.addresses ?? [], ...(answer.error ? {error: answer.error} : {})})
        } catch {
          resolve({addresses: [], error: `unreadable answer from the lookup child: ${stdout.slice(0, 80)}`})
        }
      }
    })
  })
}

/**
 * The addresses to connect to for `host` (a literal IP as itself, `localhost` as 127.0.0.1, as everywhere in this
 * tool; else systemLookup), of `family` (0 = any). Throws an error with getaddrinfo's code when there is none.
 */
export async function lookupAddresses(host: string, timeoutMs: number, family = 0): Promise<LookupAddress[]> {
  const literal = isIP(host)
  const {addresses, error}: FamilyAnswer = literal === 0 && host !== 'localhost' ? await systemLookup(host, timeoutMs) : {addresses: [literal ? host : '127.0.0.1']}
  const list = addresses.map(address => ({address, family: isIP(address)})).filter(a => family === 0 || a.family === family)
  if (list.length > 0) return list
  const code = error ?? 'ENOTFOUND'
  throw Object.assign(new Error(`getaddrinfo ${code} ${host}`), {code, hostname: host})
}

/** A `lookup` for net/tls.connect (undici's connector takes it) through lookupAddresses, so it ends at `timeoutMs` too. */
export function childProcessLookup(timeoutMs: number) {
  return (hostname: string, options: {all?: boolean; family?: number | string}, callback: (error: NodeJS.ErrnoException | null, address: LookupAddress[] | string, family?: number) => void): void => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0)
    lookupAddresses(hostname, timeoutMs, family).then(
      list => (options.all ? callback(null, list) : callback(null, list[0].address, list[0].family)),
      (error: NodeJS.ErrnoException) => callback(error, ''),
    )
  }
}

/** The addresses to connect to, IPv4 first (like the agent's getaddrinfo order on most systems). */
export function connectOrder(answer: DnsAnswer): string[] {
  const v4 = new Set([...answer.system.addresses.filter(a => isIP(a) === 4), ...answer.v4.addresses])
  const v6 = new Set([...answer.system.addresses.filter(a => isIP(a) === 6), ...answer.v6.addresses])
  return [...v4, ...v6]
}
