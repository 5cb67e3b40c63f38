// `status --endpoints`: the egress allow-list of this node — every host:port it must reach and why, with the
// addresses those names resolve to now. Nothing comes from a list in the code: the base URL is this node's setting,
// the auth and MQTT endpoints are what Cloud's /env answers this node (its claim id, its agent version), the proxy is
// the one this agent uses (netdata-facts.md §5.2, §5.8). Read-only: /env changes nothing in Cloud.

import {agentFileOwners} from '../agent/accounts.js'
import {isIP} from 'node:net'

import {readCloudSettings} from '../agent/cloud-settings.js'
import {readIdentity} from '../agent/identity.js'
import {type Install, requireInstall} from '../agent/install.js'
import {readServiceEnvironment} from '../agent/service-env.js'
import {type ErrorCode, UserError} from '../base/errors.js'
import {systemLookup} from '../base/lookup.js'
import type {Warning} from '../base/result.js'
import {redactUrl} from '../base/secrets.js'
import {parseVersion, type Version} from '../base/version.js'
import {envPath, parseCloudError, describeCloudError, usesEnv, validateEnv} from '../cloud/env.js'
import {httpsRequest} from '../cloud/http.js'
import {buildinfoFromAgent, buildinfoFromFile} from './buildinfo.js'

export interface Endpoint {
  host: string
  port: number
  /** what goes over it */
  protocol: 'HTTPS' | 'HTTP proxy' | 'SOCKS5 proxy' | 'WSS (MQTT over WebSocket over TLS)'
  why: string
  /** where the name came from: `cloud.conf:3`, `default`, `/env authEndpoint`, `netdata.conf:7`, `env http_proxy` */
  source: string
  /** the addresses the name resolves to now, from this node (getaddrinfo); a literal address is itself */
  addresses: string[]
  /** getaddrinfo's error code when it did not resolve */
  lookupError?: string
  /** who connects to it: this node, or the proxy on its behalf (then the node only needs the proxy) */
  reachedBy: 'the proxy' | 'this node'
}

export interface EndpointsReport {
  version: null | string
  era: string
  url: {value: string; source: string}
  /** the proxy this agent uses (password redacted), null = direct */
  proxy: null | {value: string; source: string}
  claimId: null | string
  /** how /env went: ok, skipped (not claimed / the era has no /env), or failed with its failure class */
  env: {state: 'failed' | 'ok' | 'skipped'; detail: string; code?: ErrorCode}
  endpoints: Endpoint[]
  warnings: Warning[]
}

export interface EndpointsOptions {
  timeoutMs?: number
  /** trust this CA bundle for /env (an emulator or a TLS-inspecting proxy's CA) */
  caFile?: string
  buildinfoFile?: string
}

const portOf = (u: URL) => (u.port ? Number(u.port) : u.protocol === 'http:' || u.protocol === 'ws:' ? 80 : 443)
const hostOf = (u: URL) => u.hostname.replace(/^\[|\]$/g, '')

async function resolve(host: string, timeoutMs: number): Promise<{addresses: string[]; lookupError?: string}> {
  if (isIP(host)) return {addresses: [host]}
  const a = await systemLookup(host, timeoutMs)
  return a.error && a.addresses.length === 0 ? {addresses: [], lookupError: a.error} : {addresses: a.addresses}
}

export async function listEndpoints(install: Install, options: EndpointsOptions = {}): Promise<EndpointsReport> {
  requireInstall(install)
  const timeoutMs = options.timeoutMs ?? 5000
  const build = options.buildinfoFile
    ? await buildinfoFromFile(options.buildinfoFile)
    : await buildinfoFromAgent(install)
  const version: null | Version = build.version ? parseVersion(build.version) : null
  const agentEnv = Object.fromEntries(readServiceEnvironment(install, {reveal: true}).map(v => [v.name, v.value]))
  const s = readCloudSettings(install, version, agentEnv)
  const identity = readIdentity(s.paths, {
    cloudConf: s.cloudConf,
    owners: agentFileOwners(install.runAsUser),
    v2: s.rules.claim === 'claim.conf',
  })
  const warnings: Warning[] = s.warnings.map(message => ({message}))
  let base: URL
  try {
    base = new URL(s.url.value)
  } catch {
    throw new UserError('invalidConfig', `${s.url.source}: the cloud URL ${JSON.stringify(s.url.value)} is not a URL`)
  }

  const proxyUrl = s.effectiveProxy.value
  let proxy: URL | null = null
  if (proxyUrl) {
    try {
      proxy = new URL(proxyUrl)
    } catch {
      warnings.push({message: `${s.effectiveProxy.source}: proxy ${redactUrl(proxyUrl)} is not a URL; ignored here`})
    }
  }

  // through an HTTP proxy or socks5h the proxy resolves and connects; with socks5 the node resolves, the proxy connects
  const reachedBy: Endpoint['reachedBy'] = proxy ? 'the proxy' : 'this node'
  const wanted: Array<Omit<Endpoint, 'addresses' | 'lookupError'>> = []
  if (proxy)
    wanted.push({
      host: hostOf(proxy),
      port: proxy.port ? Number(proxy.port) : proxy.protocol === 'http:' ? 8080 : 1080,
      protocol: proxy.protocol === 'http:' ? 'HTTP proxy' : 'SOCKS5 proxy',
      reachedBy: 'this node',
      source: s.effectiveProxy.source,
      why: 'every connection to Netdata Cloud goes through it (claim, /env, challenge, MQTT): this node needs only this one',
    })
  wanted.push({
    host: hostOf(base),
    port: portOf(base),
    protocol: 'HTTPS',
    reachedBy,
    source: s.url.source,
    why: 'the Cloud base URL: the claim request (PUT /api/v1/spaces/nodes/ID) and GET /api/v1/env',
  })

  const claimId = identity.claimId.problem ? null : identity.claimId.value
  let env: EndpointsReport['env']
  const v: Version = version ?? [1, 37, 1]
  if (!usesEnv(v)) env = {detail: `${s.rules.name} agents do not ask /env`, state: 'skipped'}
  else if (!claimId)
    env = {
      detail: 'the node is not claimed: /env needs a claim id; the auth and MQTT endpoints are known after claiming',
      state: 'skipped',
    }
  else {
    try {
      const r = await httpsRequest(
        {method: 'GET', url: new URL(envPath(v, claimId), base).toString()},
        {
          caFile: options.caFile,
          env: agentEnv,
          insecure: s.insecure.value,
          proxy: proxyUrl ?? 'none',
          proxySource: s.effectiveProxy.source,
          timeoutMs,
        },
      )
      if (r.status !== 200) {
        const e = parseCloudError(r.body)
        env = {
          code: 'cloudApi',
          detail: `/env answered ${r.status}${e ? `: ${describeCloudError(e)}` : ''}`,
          state: 'failed',
        }
      } else {
        const valid = validateEnv(r.body, v, s.rules.mqtt)
        if (valid.authEndpoint)
          wanted.push({
            host: hostOf(valid.authEndpoint),
            port: portOf(valid.authEndpoint),
            protocol: 'HTTPS',
            reachedBy,
            source: '/env authEndpoint',
            why: 'the challenge and password requests (authentication of this node)',
          })
        if (valid.mqttEndpoint)
          wanted.push({
            host: hostOf(valid.mqttEndpoint),
            port: portOf(valid.mqttEndpoint),
            protocol: 'WSS (MQTT over WebSocket over TLS)',
            reachedBy,
            source: `/env transports ${valid.transport ?? ''}`.trim(),
            why: 'the ACLK itself: a long-lived WebSocket (Upgrade must pass), MQTT inside',
          })
        env = valid.ok
          ? {detail: '/env answered 200', state: 'ok'}
          : {code: 'cloudApi', detail: `/env answered 200 but: ${valid.problems.join('; ')}`, state: 'failed'}
      }
    } catch (error) {
      const e = error instanceof UserError ? error : new UserError('cloudApi', (error as Error).message)
      env = {code: e.code, detail: `/env failed: ${e.message}`, state: 'failed'}
    }
  }

  // one row per host:port and protocol (the base URL and the auth endpoint are usually the same HTTPS host)
  const seen = new Map<string, Omit<Endpoint, 'addresses' | 'lookupError'>>()
  for (const w of wanted) {
    const k = `${w.host}:${w.port} ${w.protocol}`
    const had = seen.get(k)
    if (had) had.why += `; and ${w.why}`
    else seen.set(k, {...w})
  }

  const endpoints = await Promise.all(
    [...seen.values()].map(async w => ({...w, ...(await resolve(w.host, timeoutMs))})),
  )
  for (const e of endpoints)
    if (e.lookupError && e.reachedBy === 'this node')
      warnings.push({message: `${e.host} does not resolve on this node (${e.lookupError})`})

  return {
    claimId,
    endpoints,
    env,
    era: s.rules.name,
    proxy: proxyUrl ? {source: s.effectiveProxy.source, value: redactUrl(proxyUrl)} : null,
    url: s.url,
    version: build.version,
    warnings,
  }
}
