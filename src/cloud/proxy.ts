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

/** Parse one of netdata's proxy values. Throws badInput for a value netdata would not accept either. */
export function parseProxy(
  value: string | undefined,
  source: ProxySource = 'default',
  env: NodeJS.ProcessEnv = process.env,
  target?: string,
): Proxy {
  const v = (value ?? 'none').trim()
  if (v === '' || v === 'none') return {kind: 'none', source}
  if (v === 'env') return proxyFromEnv(env, target)
  let url: URL
  try {
    url = new URL(v)
  } catch {
    throw new UserError('badInput', `proxy ${JSON.stringify(redactUrl(v))}: not a URL`, {
      fix: 'use none, env, http://[user:pass@]host:port, socks5://host:port or socks5h://host:port',
    })
  }

  if (url.password) {
    registerSecret(url.password)
    registerSecret(decodeSafely(url.password))
  }

  if (url.protocol === 'http:') return {kind: 'http', source, url}
  if (url.protocol === 'socks5:' || url.protocol === 'socks5h:')
    return {
      kind: 'socks5',
      remoteDns: url.protocol === 'socks5h:',
      source,
      url,
    }
  if (url.protocol === 'https:') {
    throw new UserError('badInput', `proxy ${redactUrl(v)}: netdata does not support TLS to the proxy (https://)`, {
      fix: 'use http://host:port; the tunnel to Cloud is still TLS end to end',
    })
  }

  throw new UserError('badInput', `proxy ${redactUrl(v)}: unsupported scheme ${url.protocol}`, {
    fix: 'use http://, socks5:// or socks5h://',
  })
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

/** A URL with its password replaced, for messages (the one implementation lives with the cloud settings). */

/** Percent-decode URL credentials; a malformed escape is taken literally (as curl does). */
export function decodeSafely(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
