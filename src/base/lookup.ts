// The bounded name lookup every layer uses: getaddrinfo (what the agent calls: /etc/hosts, nsswitch) in a child
// process. In this process it would run on libuv's thread pool, where it cannot be cancelled, and Node joins those
// threads at exit: a nameserver that never answers kept the finished CLI alive for glibc's own timeouts (10 s by
// default) after it had printed its verdict. A child is killed at the timeout.

import {execFile} from 'node:child_process'
import {type LookupAddress} from 'node:dns'
import {isIP} from 'node:net'

export interface FamilyAnswer {
  addresses: string[]
  /** ENOTFOUND, ENODATA, ESERVFAIL, ETIMEOUT…; undefined when it answered */
  error?: string
}

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
    execFile(
      process.execPath,
      ['-e', LOOKUP_CHILD, '--', host],
      {
        encoding: 'utf8',
        env,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024,
        signal,
        timeout: timeoutMs,
      },
      (error, stdout) => {
        if (error && (error as {killed?: boolean}).killed)
          resolve({addresses: [], error: signal?.aborted ? 'ECANCELLED' : 'ETIMEOUT'})
        else if (error)
          resolve({
            addresses: [],
            error:
              error.name === 'AbortError'
                ? 'ECANCELLED'
                : ((error as NodeJS.ErrnoException).code?.toString() ?? error.message),
          })
        else {
          try {
            const answer = JSON.parse(stdout) as FamilyAnswer
            resolve({addresses: answer.addresses ?? [], ...(answer.error ? {error: answer.error} : {})})
          } catch {
            resolve({addresses: [], error: `unreadable answer from the lookup child: ${stdout.slice(0, 80)}`})
          }
        }
      },
    )
  })
}

/**
 * The addresses to connect to for `host` (a literal IP as itself, `localhost` as 127.0.0.1, as everywhere in this
 * tool; else systemLookup), of `family` (0 = any). Throws an error with getaddrinfo's code when there is none.
 */
export async function lookupAddresses(host: string, timeoutMs: number, family = 0): Promise<LookupAddress[]> {
  const literal = isIP(host)
  const {addresses, error}: FamilyAnswer =
    literal === 0 && host !== 'localhost'
      ? await systemLookup(host, timeoutMs)
      : {addresses: [literal ? host : '127.0.0.1']}
  const list = addresses
    .map(address => ({address, family: isIP(address)}))
    .filter(a => family === 0 || a.family === family)
  if (list.length > 0) return list
  const code = error ?? 'ENOTFOUND'
  throw Object.assign(new Error(`getaddrinfo ${code} ${host}`), {code, hostname: host})
}

/**
 * A `lookup` for net/tls.connect (undici's connector takes it) through lookupAddresses, so it ends at `timeoutMs` too.
 */
export function childProcessLookup(timeoutMs: number) {
  return (
    hostname: string,
    options: {all?: boolean; family?: number | string},
    callback: (error: NodeJS.ErrnoException | null, address: LookupAddress[] | string, family?: number) => void,
  ): void => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : Number(options.family ?? 0)
    lookupAddresses(hostname, timeoutMs, family).then(
      list => (options.all ? callback(null, list) : callback(null, list[0].address, list[0].family)),
      (error: NodeJS.ErrnoException) => callback(error, ''),
    )
  }
}
