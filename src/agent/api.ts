// The running agent's own view over its HTTP API: /api/v1/info (all eras), /api/v1/aclk (v1.32+),
// /api/v2/info (v1.41+) and /api/v3/info (v2.x) with their `cloud` object (netdata-facts.md §6).
// Plain node:http (the agent is on loopback, no proxy, no TLS): small, fast to load, and with a hard size cap.

import {request as httpRequest} from 'node:http'

import {logged} from '../base/log.js'
import {childProcessLookup} from '../base/lookup.js'
import {redactUrl} from '../base/secrets.js'

export type ApiAnswer =
  | {
      ok: false
      url: string
      error: 'http' | 'invalid-json' | 'refused' | 'timeout' | 'too-large' | 'unreachable'
      message: string
      status?: number
    }
  | {ok: true; url: string; json: any; ms: number; body: string}

const MAX_BODY = 16 * 1024 * 1024

export function getJson(base: string, path: string, timeoutMs = 3000): Promise<ApiAnswer> {
  const url = new URL(path, base.endsWith('/') ? base : base + '/').toString()
  return logged(
    'request',
    `GET ${redactUrl(url)}`,
    () => get(url, timeoutMs),
    a => (a.ok ? `HTTP 200, ${Buffer.byteLength(a.body)} bytes` : a.message),
  )
}

async function get(url: string, timeoutMs: number): Promise<ApiAnswer> {
  const started = performance.now()
  // node:https (and tls under it) costs ~10 ms to load: only an https:// agent URL needs it
  const request = url.startsWith('https:') ? (await import('node:https')).request : httpRequest
  return new Promise(resolve => {
    // an agent URL by name is looked up in a child process (cloud/dns.ts): a lookup that never ends must not hold the
    // exit
    const req = request(
      url,
      {headers: {accept: 'application/json'}, lookup: childProcessLookup(timeoutMs), timeout: timeoutMs},
      res => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (c: Buffer) => {
          size += c.length
          if (size > MAX_BODY) {
            req.destroy()
            resolve({
              error: 'too-large',
              message: `${url}: answer larger than ${MAX_BODY} bytes`,
              ok: false,
              url,
            })
            return
          }

          chunks.push(c)
        })
        res.on('end', () => {
          if (res.statusCode !== 200) {
            resolve({
              error: 'http',
              message: `${url}: HTTP ${res.statusCode}`,
              ok: false,
              status: res.statusCode,
              url,
            })
            return
          }

          try {
            const body = Buffer.concat(chunks).toString('utf8')
            resolve({
              body,
              json: JSON.parse(body),
              ms: Math.round(performance.now() - started),
              ok: true,
              url,
            })
          } catch {
            resolve({
              error: 'invalid-json',
              message: `${url}: the answer is not valid JSON`,
              ok: false,
              url,
            })
          }
        })
        res.on('error', error =>
          resolve({
            error: 'unreachable',
            message: `${url}: ${error.message}`,
            ok: false,
            url,
          }),
        )
      },
    )
    const deadline = setTimeout(() => {
      req.destroy()
      resolve({
        error: 'timeout',
        message: `${url}: no complete answer in ${timeoutMs} ms`,
        ok: false,
        url,
      })
    }, timeoutMs)
    req.on('close', () => clearTimeout(deadline))
    req.on('timeout', () => {
      req.destroy()
      resolve({
        error: 'timeout',
        message: `${url}: no answer in ${timeoutMs} ms`,
        ok: false,
        url,
      })
    })
    req.on('error', (error: NodeJS.ErrnoException) => {
      const refused = error.code === 'ECONNREFUSED'
      resolve({
        error: refused ? 'refused' : 'unreachable',
        message: `${url}: ${refused ? 'connection refused (is the agent running?)' : (error.code ?? error.message)}`,
        ok: false,
        url,
      })
    })
    req.end()
  })
}

export interface AgentView {
  reachable: boolean
  /** why not, when not reachable */
  problem?: ApiAnswer & {ok: false}
  version?: string
  /** /api/v1/info cloud keys */
  info?: {
    cloudEnabled?: boolean
    cloudAvailable?: boolean
    agentClaimed?: boolean
    aclkAvailable?: boolean
    aclkImplementation?: string
    claimId?: null | string
    nodeId?: null | string
    machineGuid?: string
    hostname?: string
  }
  /** /api/v1/aclk (v1.32+) */
  aclk?: Record<string, unknown>
  /** /api/v2/info or /api/v3/info `cloud` object (v1.41+) */
  cloud?: {status?: string; reason?: string; url?: string; claim_id?: string; since?: number}
  /** the node id Cloud gave this node (CreateNodeInstanceResult), from /api/v1/aclk node-instances or /api/v1/info */
  nodeId?: null | string
}

const NO_NODE_ID = /^0{8}-0{4}-0{4}-0{4}-0{12}$/

/** The node id of the agent's own node (relationship self, or the one whose mguid is the agent's). */
function ownNodeId(view: AgentView): null | string {
  const instances = view.aclk?.['node-instances']
  const own = Array.isArray(instances)
    ? ((instances as Record<string, unknown>[]).find(
        n => n.relationship === 'self' || (view.info?.machineGuid && n.mguid === view.info.machineGuid),
      ) ?? (instances.length === 1 ? (instances[0] as Record<string, unknown>) : undefined))
    : undefined
  const id = typeof own?.['node-id'] === 'string' ? own['node-id'] : (view.info?.nodeId ?? null)
  return id && !NO_NODE_ID.test(id) ? id : null
}

/** Ask the running agent what it thinks of its cloud link. */
export async function readAgentView(agentUrl: string, timeoutMs = 3000): Promise<AgentView> {
  const info = await getJson(agentUrl, 'api/v1/info', timeoutMs)
  if (!info.ok) return {problem: info, reachable: false}
  const j = info.json ?? {}
  const self = Array.isArray(j.mirrored_hosts_status)
    ? (j.mirrored_hosts_status.find((h: any) => h.guid === j.uid) ?? j.mirrored_hosts_status[0])
    : undefined
  const view: AgentView = {
    info: {
      aclkAvailable: j['aclk-available'],
      aclkImplementation: j['aclk-implementation'],
      agentClaimed: j['agent-claimed'],
      claimId: self?.claim_id,
      cloudAvailable: j['cloud-available'],
      cloudEnabled: j['cloud-enabled'],
      hostname: self?.hostname ?? j.mirrored_hosts?.[0],
      machineGuid: j.uid,
      nodeId: self?.node_id,
    },
    reachable: true,
    version: typeof j.version === 'string' ? j.version : undefined,
  }
  const major = Number(/v?(\d+)\.(\d+)/.exec(view.version ?? '')?.[1] ?? 0)
  const minor = Number(/v?(\d+)\.(\d+)/.exec(view.version ?? '')?.[2] ?? 0)
  const [aclk, v2] = await Promise.all([
    major >= 2 || minor >= 32 ? getJson(agentUrl, 'api/v1/aclk', timeoutMs) : undefined,
    major >= 2
      ? getJson(agentUrl, 'api/v3/info', timeoutMs)
      : minor >= 41
        ? getJson(agentUrl, 'api/v2/info', timeoutMs)
        : undefined,
  ])
  if (aclk?.ok && aclk.json && typeof aclk.json === 'object') view.aclk = aclk.json
  if (v2?.ok) view.cloud = v2.json?.cloud ?? v2.json?.agents?.[0]?.cloud
  view.nodeId = ownNodeId(view)
  return view
}
