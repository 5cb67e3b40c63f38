// TLS handshake on an existing stream with SNI, and everything a person needs when it fails: protocol, cipher,
// chain (subject, issuer, validity), the verify error by name with its meaning, and for validity errors the
// server's clock (its `Date` header) against ours, to tell a wrong local clock from an expired certificate.

import {X509Certificate} from 'node:crypto'
import {isIP} from 'node:net'
import type {Duplex} from 'node:stream'
import {
  checkServerIdentity,
  connect,
  createSecureContext,
  type DetailedPeerCertificate,
  rootCertificates,
  type SecureContext,
  type TLSSocket,
} from 'node:tls'

export interface ChainEntry {
  subject: string
  issuer: string
  validFrom: string
  validTo: string
}

export interface TlsProbe {
  ok: boolean
  socket?: TLSSocket
  protocol?: string
  cipher?: string
  sni?: string
  chain: ChainEntry[]
  /** OpenSSL verify code (CERT_HAS_EXPIRED…) or ERR_TLS_CERT_ALTNAME_INVALID */
  verifyError?: string
  /** handshake failure (alert, reset, not TLS) */
  error?: string
  /** accepted only because insecure = yes */
  insecureAccepted?: boolean
  /** the certificate is for another host name, accepted because checkHostName was false */
  hostNameIgnored?: boolean
}

const VERIFY_MEANING: Record<string, string> = {
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  CERT_REVOKED: 'the certificate was revoked',
  CERT_SIGNATURE_FAILURE: 'a signature in the chain is wrong',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server presents a self-signed certificate (TLS interception, or a test server)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is for another host name',
  SELF_SIGNED_CERT_IN_CHAIN:
    'a self-signed CA in the chain that is not trusted: usually a TLS-intercepting proxy or antivirus',
  UNABLE_TO_GET_ISSUER_CERT: 'the issuer certificate is unknown',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    'the issuing CA is not in the trusted store (TLS interception, or an outdated CA bundle)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the chain is incomplete or the CA is not trusted',
}

export function verifyMeaning(code: string): string {
  return VERIFY_MEANING[code] ?? code
}

export interface TlsOptions {
  /** extra CA certificates (PEM); when given, they are added to node's default store */
  extraCa: string[]
  insecure: boolean
  /** false: a host-name mismatch is accepted (and said), as v1 agents do (they check only the chain) */
  checkHostName?: boolean
  timeoutMs: number
  signal: AbortSignal
}

export function tlsHandshake(stream: Duplex, host: string, options: TlsOptions): Promise<TlsProbe> {
  const sni = isIP(host) === 0 ? host : undefined
  return new Promise(resolve => {
    const socket = connect({
      rejectUnauthorized: false,
      secureContext: trustContext(options.extraCa),
      servername: sni,
      socket: stream,
    })
    const finish = (p: TlsProbe) => {
      options.signal.removeEventListener('abort', onAbort)
      socket.off('error', onError)
      socket.off('close', onClose)
      if (!p.ok) socket.destroy()
      resolve(p)
    }

    const onError = (e: NodeJS.ErrnoException) =>
      finish({
        chain: [],
        error: handshakeError(e),
        ok: false,
        sni,
      })
    const onClose = () =>
      finish({
        chain: [],
        error: 'the server closed the connection during the TLS handshake (not TLS, or a proxy cut it)',
        ok: false,
        sni,
      })
    const onAbort = () =>
      finish({
        chain: [],
        error: 'no TLS handshake in time',
        ok: false,
        sni,
      })
    socket.once('secureConnect', () => {
      const chain = describeChain(socket.getPeerCertificate(true))
      const base = {
        chain,
        cipher: socket.getCipher()?.name,
        protocol: socket.getProtocol() ?? undefined,
        sni,
      }
      let verifyError = socket.authorized
        ? undefined
        : String((socket.authorizationError as unknown as Error | string | undefined) ?? 'UNKNOWN')
      if (!verifyError) {
        const peer = socket.getPeerCertificate()
        const mismatch = checkServerIdentity(host, peer)
        if (mismatch) verifyError = (mismatch as NodeJS.ErrnoException).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID'
      }

      // node reports a host-name mismatch as the authorization error too (servername given)
      if (/ALTNAME|Hostname\/IP does not match/i.test(verifyError ?? '') && options.checkHostName === false) {
        finish({...base, hostNameIgnored: true, ok: true, socket})
        return
      }

      if (verifyError === 'DEPTH_ZERO_SELF_SIGNED_CERT' && options.insecure) {
        finish({
          ...base,
          insecureAccepted: true,
          ok: true,
          socket,
          verifyError,
        })
        return
      }

      if (verifyError) {
        // keep the socket: the caller may ask the server for its Date before closing
        options.signal.removeEventListener('abort', onAbort)
        socket.off('error', onError)
        socket.off('close', onClose)
        resolve({
          ...base,
          ok: false,
          socket,
          verifyError,
        })
        return
      }

      finish({...base, ok: true, socket})
    })
    socket.once('error', onError)
    socket.once('close', onClose)
    options.signal.addEventListener('abort', onAbort, {once: true})
  })
}

const contexts = new Map<string, SecureContext>()

/** Node's default trust store plus the extra CAs, built once per set of CAs. */
function trustContext(extraCa: string[]): SecureContext | undefined {
  if (extraCa.length === 0) return undefined
  const key = extraCa.join('\n')
  let ctx = contexts.get(key)
  if (!ctx) {
    ctx = createSecureContext()
    // addCACert on a default context copies the default roots first (cheap), unlike `ca`, which re-parses them all
    const native = (ctx as unknown as {context?: {addCACert?: (pem: string) => void}}).context
    if (typeof native?.addCACert === 'function') for (const pem of extraCa) native.addCACert(pem)
    else ctx = createSecureContext({ca: [...rootCertificates, ...extraCa]})
    contexts.set(key, ctx)
  }

  return ctx
}

function handshakeError(e: NodeJS.ErrnoException): string {
  const m = e.message
  if (/wrong version number|unknown protocol|packet length too long/i.test(m))
    return 'the server does not speak TLS on this port (wrong port, or a plain-HTTP proxy in the way)'
  if (/alert handshake failure|no protocols available|unsupported protocol/i.test(m))
    return `no common TLS version/cipher (${m})`
  if (e.code === 'ECONNRESET') return 'the connection was reset during the TLS handshake (a firewall or DPI box?)'
  return m
}

function describeChain(cert: DetailedPeerCertificate | undefined): ChainEntry[] {
  const out: ChainEntry[] = []
  const seen = new Set<string>()
  let c = cert
  while (c && c.raw && !seen.has(c.fingerprint256) && out.length < 10) {
    seen.add(c.fingerprint256)
    out.push({
      issuer: dn(c.issuer),
      subject: dn(c.subject),
      validFrom: iso(c.valid_from),
      validTo: iso(c.valid_to),
    })
    c = c.issuerCertificate
  }

  return out
}

function dn(x: Record<string, unknown> | undefined): string {
  if (!x) return '?'
  const cn = x.CN ?? x.O
  return Array.isArray(cn) ? String(cn[0]) : String(cn ?? '?')
}

function iso(s: string): string {
  const d = new Date(s)
  return Number.isNaN(d.getTime()) ? s : d.toISOString().replace('.000Z', 'Z')
}

/** Ask the server for its clock (a HEAD / on the unverified connection; nothing secret is sent). */
export function serverDate(socket: TLSSocket, host: string, timeoutMs: number): Promise<Date | null> {
  return new Promise(resolve => {
    let buf = ''
    const done = (d: Date | null) => {
      clearTimeout(timer)
      socket.off('data', onData)
      socket.destroy()
      resolve(d)
    }

    const onData = (chunk: Buffer) => {
      buf += chunk.toString('latin1')
      const m = /\r\ndate: ([^\r\n]+)/i.exec(buf)
      if (m) done(Number.isNaN(Date.parse(m[1])) ? null : new Date(m[1]))
      else if (buf.includes('\r\n\r\n') || buf.length > 16_384) done(null)
    }

    const timer = setTimeout(() => done(null), Math.max(1, timeoutMs))
    socket.on('data', onData)
    socket.once('error', () => done(null))
    socket.write(`HEAD / HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: Netdata/rocks newhttpclient\r\n\r\n`)
  })
}

/** The certificates of a PEM bundle (bad blocks are skipped). */
export function pemCertificates(bundle: string): X509Certificate[] {
  const out: X509Certificate[] = []
  for (const m of bundle.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)) {
    try {
      out.push(new X509Certificate(m[0]))
    } catch {}
  }

  return out
}

/**
 * Whether the chain the server sent would verify with only these CA certificates (signatures, not dates: the
 * handshake already judged those): one certificate of the chain is a trusted one, or is issued and signed by one.
 */
export function chainVerifiesWith(socket: TLSSocket, trusted: X509Certificate[]): boolean {
  const chain: X509Certificate[] = []
  let c = socket.getPeerCertificate(true) as DetailedPeerCertificate | undefined
  const seen = new Set<string>()
  while (c?.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256)
    try {
      chain.push(new X509Certificate(c.raw))
    } catch {
      break
    }

    c = c.issuerCertificate
  }

  return chain.some(cert =>
    trusted.some(t => t.fingerprint256 === cert.fingerprint256 || (cert.checkIssued(t) && cert.verify(t.publicKey))),
  )
}
