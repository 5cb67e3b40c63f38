// Steps 2–5: dns, tcp, proxy, tls. Each leaves what the next one needs in the context (addresses, the TCP
// socket, the tunnel, the TLS connection kept for env/challenge/password).

import {fixForTlsCode} from '../causes.js'
import {connectOrder, dnsMeaning, type DnsAnswer, resolveHost} from '../dns.js'
import type {LinkContext, Step, StepResult} from '../link-types.js'
import {httpConnect, socks5Connect} from '../proxy-tunnel.js'
import {tcpConnect, tcpMeaning} from '../tcp.js'
import {chainVerifiesWith, pemCertificates, serverDate, tlsHandshake, verifyMeaning} from '../tls-probe.js'
import {compareVersions} from '../../base/version.js'
import {linkVersion} from './cloud-api.js'
import {keepConnection} from './dial.js'
import {certificateTimeVerdict} from '../transport-errors.js'

const viaProxy = (ctx: LinkContext) => ['http', 'socks5', 'socks5h'].includes(ctx.settings.proxy.value.kind)

function describeDns(a: DnsAnswer): string {
  if (a.literal) return `${a.host}: no lookup needed`
  const fam = (name: string, f: DnsAnswer['v4']) => `${name} ${f.error ? dnsMeaning(f.error) : f.addresses.join(', ')}`
  return `${a.host}: ${fam('A', a.v4)}; ${fam('AAAA', a.v6)}`
}

export const dnsStep: Step = {
  id: 'dns',
  needs: ['settings'],
  target: ctx => (viaProxy(ctx) ? `${ctx.settings.proxy.value.host} (proxy)` : ctx.cloud.host),
  timeoutCode: 'dns',
  title: 'dns',
  async run(ctx, signal): Promise<StepResult> {
    const proxy = ctx.settings.proxy.value
    const hopHost = viaProxy(ctx) ? (proxy.host ?? '') : ctx.cloud.host
    const hopPort = viaProxy(ctx) ? (proxy.port ?? 0) : ctx.cloud.port
    ctx.waiting = `DNS answers for ${hopHost}`
    const answers: DnsAnswer[] = [await resolveHost(hopHost, ctx.timeoutMs, signal)]
    // socks5:// sends an address, so the name is resolved here too; http:// and socks5h:// leave it to the proxy
    if (proxy.kind === 'socks5') answers.push(await resolveHost(ctx.cloud.host, ctx.timeoutMs, signal))
    const first = answers[0]
    const addresses = connectOrder(first)
    const servers = first.literal ? '' : ` (nameservers ${first.nameservers.join(', ') || 'none'})`
    const parts = answers.map(a => describeDns(a))
    if (viaProxy(ctx) && proxy.kind !== 'socks5') parts.push(`${ctx.cloud.host}: resolved by the proxy`)
    for (const a of answers) {
      const order = connectOrder(a)
      if (order.length === 0) {
        const nx = a.v4.error === 'ENOTFOUND' || a.system.error === 'ENOTFOUND'
        // getaddrinfo says EAI_AGAIN for SERVFAIL and REFUSED too: only the resolver's own ETIMEOUT means "no answer"
        const timeout = a.v4.error === 'ETIMEOUT' || a.v6.error === 'ETIMEOUT'
        const servfail = a.v4.error === 'ESERVFAIL' || a.v6.error === 'ESERVFAIL'
        return {
          code: 'dns',
          detail: `${parts.join('; ')}; getaddrinfo ${dnsMeaning(a.system.error)}${servers}`,
          fix: nx
            ? `check the spelling of ${a.host} in the ${a === first && viaProxy(ctx) ? 'proxy URL' : 'cloud URL'}`
            : timeout
              ? 'the nameservers do not answer: check /etc/resolv.conf and that UDP/TCP 53 is allowed'
              : servfail
                ? `the nameserver failed to resolve ${a.host} (SERVFAIL): its upstream or the domain's DNS is broken; try another resolver`
                : 'check /etc/resolv.conf and the nameservers',
          status: 'FAIL',
        }
      }

      if (!a.literal && a.v4.addresses.length === 0 && a.v6.addresses.length > 0)
        parts.push(`${a.host} is IPv6-only: this host needs an IPv6 route`)
      if (!a.literal && a.v4.addresses.length === 0 && a.v6.addresses.length === 0)
        parts.push(`${a.host} from /etc/hosts (getaddrinfo): ${a.system.addresses.join(', ')}`)
    }

    ctx.hop = {
      addresses,
      host: hopHost,
      port: hopPort,
      viaProxy: viaProxy(ctx),
    }
    if (proxy.kind === 'socks5') ctx.cloudAddress = connectOrder(answers[1])[0]
    return {detail: parts.join('; ') + servers, status: 'PASS'}
  },
}

export const tcpStep: Step = {
  id: 'tcp',
  needs: ['dns'],
  target: ctx =>
    ctx.hop
      ? `${ctx.hop.host}:${ctx.hop.port}${ctx.hop.viaProxy ? ' (proxy)' : ''}`
      : `${ctx.cloud.host}:${ctx.cloud.port}`,
  timeoutCode: 'tcp',
  title: 'tcp',
  async run(ctx, signal): Promise<StepResult> {
    const hop = ctx.hop!
    const tried: string[] = []
    for (const address of hop.addresses) {
      ctx.waiting = `TCP connect to ${address}:${hop.port}`
      const {attempt, socket} = await tcpConnect(address, hop.port, ctx.timeoutMs, signal)
      ctx.roundTrips++
      tried.push(`${address}:${hop.port} ${attempt.ok ? `connected in ${attempt.ms} ms` : tcpMeaning(attempt.error)}`)
      if (socket) {
        ctx.tcp = socket
        ctx.disposers.push(() => socket.destroy())
        return {detail: tried.join('; '), status: 'PASS'}
      }
    }

    return {
      code: hop.viaProxy ? 'proxy' : 'tcp',
      detail: `${hop.viaProxy ? 'the proxy: ' : ''}${tried.join('; ')}`,
      fix: hop.viaProxy
        ? `check the proxy host and port (${ctx.settings.proxy.source}) and that the proxy runs`
        : `allow outgoing TCP to ${ctx.cloud.host} port ${ctx.cloud.port} in the firewall`,
      status: 'FAIL',
    }
  },
}

export const proxyStep: Step = {
  id: 'proxy',
  needs: ['tcp'],
  target: ctx => (viaProxy(ctx) ? ctx.settings.proxy.value.display : 'none'),
  timeoutCode: 'proxy',
  title: 'proxy',
  async run(ctx, signal): Promise<StepResult> {
    const {source, value: proxy} = ctx.settings.proxy
    const others = ctx.settings.proxyOthers.filter(
      o => o.value !== proxy.display && !(o.value === 'none' && proxy.kind === 'none'),
    )
    const disagree = others.length > 0 ? `; differs from ${others.map(o => `${o.source} (${o.value})`).join(', ')}` : ''
    if (!viaProxy(ctx)) {
      ctx.tunnel = ctx.tcp
      return {
        detail: `direct connection, no proxy (${source})${disagree}`,
        fix: disagree ? 'make the proxy settings agree (claiming and the ACLK use different ones)' : undefined,
        status: disagree ? 'WARN' : 'PASS',
      }
    }

    const target = proxy.kind === 'socks5' ? (ctx.cloudAddress ?? ctx.cloud.host) : ctx.cloud.host
    ctx.waiting = `the proxy's answer to CONNECT ${target}:${ctx.cloud.port}`
    const r =
      proxy.kind === 'http'
        ? await httpConnect(ctx.tcp!, proxy, target, ctx.cloud.port, signal)
        : await socks5Connect(ctx.tcp!, proxy, target, ctx.cloud.port, ctx.timeoutMs, signal)
    ctx.roundTrips += r.exchanges
    const who =
      proxy.kind === 'socks5h' ? '; the proxy resolves the name' : proxy.kind === 'socks5' ? '; name resolved here' : ''
    if (!r.ok || !r.stream)
      return {
        code: 'proxy',
        detail: `${r.detail} (${source})`,
        fix: r.fix,
        status: 'FAIL',
      }
    ctx.tunnel = r.stream
    return {
      detail: `${r.detail}${who} (${source})${disagree}`,
      fix: disagree ? 'make the proxy settings agree (claiming and the ACLK use different ones)' : undefined,
      status: disagree ? 'WARN' : 'PASS',
    }
  },
}

export const tlsStep: Step = {
  id: 'tls',
  needs: ['proxy'],
  target: ctx => `${ctx.cloud.host}:${ctx.cloud.port}`,
  timeoutCode: 'tls',
  title: 'tls',
  async run(ctx, signal): Promise<StepResult> {
    const {host, port} = ctx.cloud
    ctx.waiting = 'the TLS handshake'
    const extra = ctx.settings.extraCa
    const store = `CA: node's default store${process.env.NODE_EXTRA_CA_CERTS ? ' + NODE_EXTRA_CA_CERTS' : ''}${extra.length > 0 ? ` + ${extra.map(c => c.source).join(', ')}` : ''}`
    // v1 agents check only the chain, not the host name (/env, challenge, WSS; measured on v1.44.3: it links with a
    // CA-signed certificate for another name); v2.11 refuses it
    const checkHostName = compareVersions(linkVersion(ctx), [2, 0, 0]) >= 0
    const t = await tlsHandshake(ctx.tunnel!, host, {
      checkHostName,
      extraCa: extra.map(c => c.value),
      insecure: ctx.settings.insecure,
      signal,
      timeoutMs: ctx.timeoutMs,
    })
    ctx.roundTrips += t.protocol === 'TLSv1.3' ? 1 : 2
    const chain = t.chain
      .map(c => `${c.subject} (issuer ${c.issuer}, ${c.validFrom.slice(0, 10)}..${c.validTo.slice(0, 10)})`)
      .join(' ← ')
    const sni = t.sni ? `SNI ${t.sni}` : 'no SNI (IP address)'
    if (t.error)
      return {
        code: 'tls',
        detail: `${t.error}; ${sni}`,
        fix: "check that the cloud URL's port speaks TLS and nothing in between cuts it",
        status: 'FAIL',
      }
    if (!t.ok) {
      const code = t.verifyError ?? 'UNKNOWN'
      let detail = `${code}: ${verifyMeaning(code)}; ${t.protocol ?? ''} ${sni}; chain ${chain || 'none'}; ${store}`
      let fix =
        fixForTlsCode(code) ??
        (code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
        code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' ||
        code === 'DEPTH_ZERO_SELF_SIGNED_CERT'
          ? 'something intercepts TLS (proxy, antivirus, captive portal): exempt Netdata Cloud from inspection, or trust its CA (--ca FILE; for the agent, the system store)'
          : code === 'ERR_TLS_CERT_ALTNAME_INVALID'
            ? `the server is not ${host}: check the cloud URL and DNS`
            : 'see the verify error')
      let failure: 'clock' | 'tls' = 'tls'
      if ((code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') && t.socket) {
        ctx.waiting = "the server's Date header"
        const date = await serverDate(t.socket, host, Math.min(2000, ctx.timeoutMs))
        ctx.roundTrips++
        const verdict = certificateTimeVerdict(code, t.chain[0], date)
        failure = verdict.code
        detail += `; ${verdict.detail}`
        fix = verdict.fix
      }

      t.socket?.destroy()
      return {
        code: failure,
        detail,
        fix,
        status: 'FAIL',
      }
    }

    ctx.connections++
    const conn = {host, port, socket: t.socket!}
    ctx.disposers.push(() => conn.socket.destroy())
    keepConnection(ctx, conn)
    const base = `${t.protocol} ${t.cipher}, ${sni}, chain ${chain}; ${store}`
    // --ca makes this walk trust more than the agent: check the chain with what the agent's ACLK trusts
    const {agentTrust} = ctx.settings
    if (extra.length > 0 && agentTrust && !t.insecureAccepted) {
      const trusted = pemCertificates(agentTrust.value)
      if (!chainVerifiesWith(t.socket!, trusted))
        return {
          detail: `${base}; but the agent will not trust this chain: its ACLK verifies with ${agentTrust.source} (${trusted.length} CA certificate${trusted.length === 1 ? '' : 's'}), which does not hold the CA that --ca added`,
          fix: 'give the agent the CA: SSL_CERT_FILE=<ca.pem> in its service environment (systemctl edit netdata: Environment=SSL_CERT_FILE=…), or the CA as DIR/<hash>.0 with SSL_CERT_DIR=DIR (openssl rehash DIR), then restart it',
          status: 'WARN',
        }
    }

    if (t.hostNameIgnored)
      return {
        detail: `${base}; the certificate is not for ${host}, but this agent (v${linkVersion(ctx).join('.')}) checks only the chain, so it links anyway (a v2 agent would not)`,
        fix: `serve a certificate for ${host}, or use the URL of the name it has`,
        status: 'WARN',
      }
    if (t.insecureAccepted)
      return {
        detail: `${base}; self-signed leaf accepted only because insecure = yes`,
        fix: 'remove insecure = yes from cloud.conf once a trusted certificate is in place',
        status: 'WARN',
      }
    return {detail: base, status: 'PASS'}
  },
}
