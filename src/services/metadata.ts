// `metadata`: what this node sends to Netdata Cloud once linked — the seed's "Data privacy" list
// (hostname, /api/v1/info, /api/v1/charts, /api/v1/alarms?all, /api/v1/alarms) with this node's values.

import {chmodSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {getJson} from '../agent/api.js'
import {type Install, requireInstall} from '../agent/install.js'
import {errnoCode, UserError} from '../base/errors.js'

export interface MetadataItem {
  /** what the seed calls it */
  what: string
  path: string
  bytes: number
  /** a one-line summary of the content: counts, keys */
  summary: string
  /** for /api/v1/info: the top-level keys that leave the node */
  keys?: string[]
  savedTo?: string
}

export interface MetadataReport {
  agentUrl: string
  hostname: null | string
  items: MetadataItem[]
  totalBytes: number
  savedTo?: string
}

const ENDPOINTS: {
  what: string
  path: string
  summarise: (j: any) => {keys?: string[]; summary: string}
  file: string
}[] = [
  {
    file: 'info.json',
    path: 'api/v1/info',
    summarise: j => ({
      keys: Object.keys(j ?? {}),
      summary: `${Object.keys(j ?? {}).length} keys (version ${j?.version ?? '?'}, os ${j?.os_name ?? '?'} ${j?.os_version ?? ''}, kernel ${j?.kernel_version ?? '?'}, ${j?.cores_total ?? '?'} cores, ${j?.collectors?.length ?? 0} collectors, ${Object.keys(j?.host_labels ?? {}).length} host labels)`,
    }),
    what: 'Information shown in /api/v1/info',
  },
  {
    file: 'charts.json',
    path: 'api/v1/charts',
    summarise: j => ({
      summary: `${Object.keys(j?.charts ?? {}).length} charts (metadata only: names, titles, units, dimensions; no metric values)`,
    }),
    what: 'The chart metadata shown in /api/v1/charts',
  },
  {
    file: 'alarms-all.json',
    path: 'api/v1/alarms?all',
    summarise: j => ({summary: `${Object.keys(j?.alarms ?? {}).length} alert configurations`}),
    what: 'Alarm configurations shown in /api/v1/alarms?all',
  },
  {
    file: 'alarms-active.json',
    path: 'api/v1/alarms',
    summarise: j => ({summary: `${Object.keys(j?.alarms ?? {}).length} active alerts`}),
    what: 'Active alarms shown in /api/v1/alarms',
  },
]

export async function collectMetadata(
  install: Install,
  options: {saveDir?: string; timeoutMs?: number} = {},
): Promise<MetadataReport> {
  requireInstall(install)
  const answers = await Promise.all(ENDPOINTS.map(e => getJson(install.agentUrl, e.path, options.timeoutMs ?? 5000)))
  const failed = answers.find(a => !a.ok)
  if (failed && !failed.ok) {
    throw new UserError('agentUnreachable', failed.message, {fix: 'start the agent, or pass --agent-url'})
  }

  if (options.saveDir) prepareDir(options.saveDir)
  const items: MetadataItem[] = []
  let hostname: null | string = null
  for (const [i, e] of ENDPOINTS.entries()) {
    const a = answers[i]
    if (!a.ok) continue
    if (e.path === 'api/v1/info')
      hostname = a.json?.mirrored_hosts?.[0] ?? a.json?.mirrored_hosts_status?.[0]?.hostname ?? null
    const item: MetadataItem = {
      bytes: Buffer.byteLength(a.body),
      path: `/${e.path}`,
      what: e.what,
      ...e.summarise(a.json),
    }
    if (options.saveDir) {
      item.savedTo = join(options.saveDir, e.file)
      save(item.savedTo, a.body)
    }

    items.push(item)
  }

  return {
    agentUrl: install.agentUrl,
    hostname,
    items,
    savedTo: options.saveDir,
    totalBytes: items.reduce((n, i) => n + i.bytes, 0),
  }
}

function prepareDir(dir: string): void {
  try {
    mkdirSync(dir, {mode: 0o700, recursive: true})
  } catch (error) {
    throw new UserError(
      errnoCode(error) === 'EACCES' ? 'permission' : 'writeFailed',
      `--save ${dir}: cannot create the directory (${errnoCode(error) ?? (error as Error).message})`,
    )
  }
}

function save(path: string, body: string): void {
  try {
    // an audit copy: readable by its owner only (it describes the node in detail)
    writeFileSync(path, body, {mode: 0o600})
    chmodSync(path, 0o600)
  } catch (error) {
    const code = errnoCode(error)
    throw new UserError(
      code === 'EACCES' ? 'permission' : 'writeFailed',
      `${path}: cannot write (${code === 'ENOSPC' ? 'disk full' : code === 'EROFS' ? 'read-only file system' : (code ?? (error as Error).message)})`,
    )
  }
}
