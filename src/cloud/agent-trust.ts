// Would the agent trust the chain the cloud URL serves? One handshake to host:port, directly or through the proxy the
// agent uses (the whole check bounded by the timeout), then the chain is checked against only the CA certificates the
// agent reads (the same check `link --ca` uses).

import {NO_PROXY, type ProxySpec} from './proxy.js'
import {dialThrough} from './proxy-tunnel.js'
import {chainVerifiesWith, pemCertificates, serverDate, tlsHandshake} from './tls-probe.js'
import {certificateTimeVerdict} from './transport-errors.js'

export interface AgentTrustCheck {
  /** host:port connected to */
  target: string
  /** the proxy the check went through (password masked), with where it is set; absent: direct */
  proxy?: {display: string; source: string; tunnel?: string}
  /** what the agent trusts here (SSL_CERT_FILE=… (the agent's environment), the system store …, cloud.d/trusted.pem) */
  trust: string
  /** the number of CA certificates in it */
  certificates: number
  /** true: the chain verifies with it; false: it does not; null: no handshake (the detail says why) */
  trusted: boolean | null
  /** trusted null: the hop that failed (the proxy: it refused, or is not reachable) */
  failure?: 'dns' | 'proxy' | 'tcp' | 'tls'
  /** the served chain, leaf first (subject ← issuer), or why no handshake was made */
  detail: string
  /** the server sent one self-signed certificate (what v2's insecure = yes waives for its claim) */
  selfSigned: boolean
  /**
   * the leaf is expired or not yet valid by this clock: the one verdict link and claim give (the server's Date
   * decides whether the clock or the certificate is wrong)
   */
  certificateTime?: {code: 'clock' | 'tls'; detail: string; fix: string}
}

export async function checkAgentTrust(
  url: string,
  trust: {source: string; value: string},
  timeoutMs: number,
  proxy?: {source: string; value: ProxySpec},
): Promise<AgentTrustCheck> {
  const trusted = pemCertificates(trust.value)
  proxy ??= {source: 'none', value: NO_PROXY}
  const via = proxy.value.kind === 'http' || proxy.value.kind === 'socks5' || proxy.value.kind === 'socks5h'
  const base: Pick<AgentTrustCheck, 'certificates' | 'proxy' | 'selfSigned' | 'trust'> = {
    certificates: trusted.length,
    proxy: via ? {display: proxy.value.display, source: proxy.source} : undefined,
    selfSigned: false,
    trust: trust.source,
  }
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return {...base, detail: `the cloud URL ${url} does not parse`, target: url, trusted: null}
  }

  const host = u.hostname.replace(/^\[|\]$/g, '')
  const port = Number(u.port || 443)
  const target = `${host}:${port}`
  const signal = AbortSignal.timeout(Math.max(1, timeoutMs))
  const started = Date.now()
  const left = () => Math.max(1, timeoutMs - (Date.now() - started))
  const dialed = await dialThrough(proxy.value, host, port, left, signal)
  if (!dialed.stream)
    return {...base, detail: dialed.error ?? 'no connection', failure: dialed.failure, target, trusted: null}
  if (base.proxy) base.proxy.tunnel = dialed.tunnel
  const through = base.proxy ? `; through the agent's proxy ${base.proxy.display} (${base.proxy.source})` : ''
  const {socket, stream} = dialed
  // the chain is judged below with the agent's CAs only; node's store and host-name checks do not decide here
  const t = await tlsHandshake(stream, host, {
    checkHostName: false,
    extraCa: [],
    insecure: false,
    signal,
    timeoutMs: left(),
  })
  try {
    if (!t.socket)
      return {...base, detail: `${t.error ?? 'no TLS handshake'}${through}`, failure: 'tls', target, trusted: null}
    const chain = t.chain.map(c => `${c.subject} (issuer ${c.issuer})`).join(' ← ')
    const selfSigned = t.chain.length === 1 && t.chain[0].subject === t.chain[0].issuer
    const verified = chainVerifiesWith(t.socket, trusted)
    const leaf = t.chain[0]
    const now = Date.now()
    const timeCode = !leaf
      ? undefined
      : now > new Date(leaf.validTo).getTime()
        ? ('CERT_HAS_EXPIRED' as const)
        : now < new Date(leaf.validFrom).getTime()
          ? ('CERT_NOT_YET_VALID' as const)
          : undefined
    let certificateTime: AgentTrustCheck['certificateTime']
    if (timeCode) {
      const v = certificateTimeVerdict(timeCode, leaf, await serverDate(t.socket, host, Math.min(2000, left())))
      const what =
        timeCode === 'CERT_HAS_EXPIRED'
          ? `expired (valid to ${leaf.validTo})`
          : `not yet valid (from ${leaf.validFrom})`
      certificateTime = {code: v.code, detail: `the certificate is ${what}; ${v.detail}`, fix: v.fix}
    }

    return {
      ...base,
      ...(certificateTime ? {certificateTime} : {}),
      detail: `chain ${chain || 'none'}${through}`,
      selfSigned,
      target,
      trusted: verified,
    }
  } finally {
    t.socket?.destroy()
    socket?.destroy()
  }
}
