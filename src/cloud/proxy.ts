// The proxy the claim and the link use, as netdata reads it (netdata-facts.md §5.8): none, env, http://, socks5://,
// socks5h://, with the source that won, credentials registered as secrets the moment they are parsed.

import {UserError} from '../base/errors.js'
import {redactUrl, registerSecret} from '../base/secrets.js'

/** Where the proxy came from (shown to the user: "proxy http://h:3128 (from https_proxy)"). */
export type ProxySource = 'default' | 'env' | 'flag' | string

/** A resolved proxy. For socks5, remoteDns says who resolves the target name: the proxy (socks5h) or we (socks5). */
export type Proxy = HttpProxy | NoProxy | SocksProxy

export interface NoProxy {
  kind: 'none'
  source: ProxySource
}

export interface HttpProxy {
  kind: 'http'
  url: URL
  source: ProxySource
}

export interface SocksProxy {
  kind: 'socks5'
  url: URL
  remoteDns: boolean
  source: ProxySource
}

export type ProxyKind = 'http' | 'https-unsupported' | 'invalid' | 'none' | 'socks5' | 'socks5h'

/** One proxy value as netdata reads it: its kind, where to connect, the decoded credentials, or why it is unusable. */
export interface ProxySpec {
  kind: ProxyKind
  /** the value as written, with the password masked */
  display: string
  host?: string
  /** the port, netdata's default when none is written (http 8080, socks5 1080) */
  port?: number
  /** percent-decoded (the agent decodes them too) */
  username?: string
  password?: string
  /** why it is invalid or unsupported */
  problem?: string
  /** for problem: whether the value is not a URL at all, or a URL of a scheme netdata does not speak */
  reason?: 'no-host' | 'not-url' | 'scheme'
  url?: URL
}

export const NO_PROXY: ProxySpec = {display: 'none', kind: 'none'}

/**
 * The one parser of netdata's proxy syntax (netdata-facts.md §5.8): `none` or empty, `http://[user:pass@]host[:port]`,
 * `socks5://…`, `socks5h://…`; `https://` is not supported by the agent. `env` must be expanded by the caller (it
 * depends on who reads it: the ACLK of each era, or curl). Credentials are registered as secrets as they are parsed.
 */
export function parseProxySpec(raw: string | undefined): ProxySpec {
  const value = (raw ?? '').trim()
  if (value === '' || value === 'none') return NO_PROXY
  const display = redactUrl(value)
  const scheme = /^([a-z0-9]+):\/\//i.exec(value)?.[1]?.toLowerCase()
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {}

  if (url?.password) {
    registerSecret(url.password)
    registerSecret(decodeSafely(url.password))
  }

  if (scheme === 'https')
    return {
      display,
      kind: 'https-unsupported',
      problem: 'https:// proxies are not supported by the agent (it speaks plain TCP to the proxy)',
      reason: 'scheme',
      url,
    }
  if (scheme !== 'http' && scheme !== 'socks5' && scheme !== 'socks5h')
    return {
      display,
      kind: 'invalid',
      problem: scheme
        ? `unknown proxy scheme ${scheme}://`
        : 'not a URL (expected http://host:port, socks5://host:port or socks5h://host:port)',
      reason: scheme ? 'scheme' : 'not-url',
      url,
    }
  if (!url) return {display, kind: 'invalid', problem: 'the URL does not parse', reason: 'not-url'}
  const host = url.hostname.replace(/^\[(.*)]$/, '$1')
  if (!host) return {display, kind: 'invalid', problem: 'no host in the proxy URL', reason: 'no-host', url}
  return {
    display,
    host,
    kind: scheme,
    password: url.password ? decodeSafely(url.password) : undefined,
    port: url.port ? Number(url.port) : scheme === 'http' ? 8080 : 1080,
    url,
    username: url.username ? decodeSafely(url.username) : undefined,
  }
}

/** Parse one of netdata's proxy values for the claim. Throws badInput for a value netdata would not accept either. */
export function parseProxy(
  value: string | undefined,
  source: ProxySource = 'default',
  env: NodeJS.ProcessEnv = process.env,
  target?: string,
): Proxy {
  const v = (value ?? 'none').trim()
  if (v === 'env') return proxyFromEnv(env, target)
  const spec = parseProxySpec(v)
  if (spec.kind === 'none') return {kind: 'none', source}
  if (spec.kind === 'http') return {kind: 'http', source, url: spec.url!}
  if (spec.kind === 'socks5' || spec.kind === 'socks5h')
    return {kind: 'socks5', remoteDns: spec.kind === 'socks5h', source, url: spec.url!}
  if (spec.kind === 'https-unsupported')
    throw new UserError('badInput', `proxy ${spec.display}: netdata does not support TLS to the proxy (https://)`, {
      fix: 'use http://host:port; the tunnel to Cloud is still TLS end to end',
    })
  if (spec.reason === 'scheme')
    throw new UserError('badInput', `proxy ${spec.display}: unsupported scheme ${spec.url?.protocol ?? spec.problem}`, {
      fix: 'use http://, socks5:// or socks5h://',
    })
  throw new UserError(
    'badInput',
    `proxy ${JSON.stringify(spec.display)}: ${spec.reason === 'no-host' ? 'no host' : 'not a URL'}`,
    {
      fix: 'use none, env, http://[user:pass@]host:port, socks5://host:port or socks5h://host:port',
    },
  )
}

/** A resolved claim proxy as the spec the tunnel code takes (for `env` resolved with curl's rules). */
export function specOf(p: Proxy): ProxySpec {
  return p.kind === 'none' ? NO_PROXY : parseProxySpec(p.url.pathname === '/' ? p.url.href.slice(0, -1) : p.url.href)
}

/** curl's environment rules, which both the v1 claim script and the v2 agent's claim request follow. */
export function proxyFromEnv(env: NodeJS.ProcessEnv, target?: string): Proxy {
  const host = target ? new URL(target).hostname : undefined
  const noProxy = (env.no_proxy ?? env.NO_PROXY ?? '')
    .split(',')
    .map(s => s.trim().replace(/^\./, ''))
    .filter(Boolean)
  if (host && noProxy.some(n => n === '*' || host === n || host.endsWith('.' + n)))
    return {kind: 'none', source: 'env (no_proxy)'}
  for (const name of ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']) {
    const value = env[name]
    if (value) {
      const withScheme = /^[a-z0-9]+:\/\//i.test(value) ? value : `http://${value}`
      const p = parseProxy(withScheme, `env (${name})`, env)
      return p
    }
  }

  return {kind: 'none', source: 'env: no https_proxy/HTTPS_PROXY/all_proxy set'}
}

export function describeProxy(p: Proxy): string {
  if (p.kind === 'none') return `direct (${p.source})`
  return `${redactUrl(p.url.href)} (${p.source})`
}

/** Percent-decode URL credentials; a malformed escape is taken literally (as curl does). */
export function decodeSafely(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
