// `report`: one tar.gz a user can attach to a support ticket — status, buildinfo, the link walk, the ACLK log lines,
// the service environment, the cloud.d listing (owners, modes, sizes; never the keys) and the cloud settings files —
// with every secret removed (scrub.ts) and a manifest of what is in it. `--print` shows it all before anything is
// written. Each part is collected on its own: one that fails is recorded in the manifest, the others still go in.

import {lstatSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {agentFileOwners, groupName, userName} from '../../agent/accounts.js'
import {readCloudSettings} from '../../agent/cloud-settings.js'
import {readIdentity} from '../../agent/identity.js'
import {type Install, requireInstall} from '../../agent/install.js'
import {readServiceEnvironment} from '../../agent/service-env.js'
import {parseVersion} from '../../base/version.js'
import {writeFileAtomically} from '../../config/write.js'
import {findLogSource, readAgentLogs} from '../agent-logs.js'
import {buildinfoFromAgent} from '../buildinfo.js'
import {listEndpoints} from '../endpoints.js'
import {linkNode} from '../link.js'
import {getStatus} from '../status.js'
import {makeScrubber} from './scrub.js'
import {type TarEntry, tarGz} from './tar.js'

export interface ReportPart {
  /** path inside the archive */
  name: string
  what: string
  bytes: number
  /** collected, or why not */
  state: 'failed' | 'ok' | 'skipped'
  detail?: string
}

export interface ReportResult {
  /** the archive written; null with --print */
  file: null | string
  bytes: number
  anonymized: boolean
  parts: ReportPart[]
  /** replacements made, per kind (never the values) */
  redactions: Record<string, number>
  /** with --print: every file's text, as it is in the archive */
  contents?: Array<{name: string; text: string}>
}

export interface ReportOptions {
  output?: string
  anonymize?: boolean
  print?: boolean
  /** leave out the link walk (it contacts Netdata Cloud) */
  noLink?: boolean
  timeoutMs?: number
  caFiles?: string[]
  now?: Date
  /** netdata-cloud's own version, for the manifest */
  toolVersion?: string
}

function readOrNull(path: string): null | string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

/** name, kind, mode, owner:group, size of each cloud.d entry: the listing, never the content */
function listDir(dir: string): Array<Record<string, unknown>> | {error: string} {
  let names: string[]
  try {
    names = readdirSync(dir).sort()
  } catch (error) {
    return {error: `${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`}
  }

  return [{name: '.', ...statOf(dir)}, ...names.map(n => ({name: n, ...statOf(join(dir, n))}))]
}

function statOf(path: string): Record<string, unknown> {
  try {
    const st = lstatSync(path)
    return {
      group: groupName(st.gid),
      kind: st.isDirectory() ? 'directory' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other',
      mode: '0' + (st.mode & 0o7777).toString(8).padStart(3, '0'),
      owner: userName(st.uid),
      size: st.size,
    }
  } catch (error) {
    return {error: (error as NodeJS.ErrnoException).code ?? (error as Error).message}
  }
}

export async function buildReport(install: Install, options: ReportOptions = {}): Promise<ReportResult> {
  requireInstall(install)
  const now = options.now ?? new Date()
  const stamp = now.toISOString().replace(/[:.]/g, '-').slice(0, 19)
  const top = `netdata-cloud-report-${stamp}`
  const timeoutMs = options.timeoutMs ?? 5000

  // what is secret on this node, read first so that it can be removed wherever it shows up
  const revealed = readServiceEnvironment(install, {reveal: true})
  const agentEnv = Object.fromEntries(revealed.map(v => [v.name, v.value]))
  const build = await buildinfoFromAgent(install).catch((error: Error) => error)
  const version = build instanceof Error || !build.version ? null : parseVersion(build.version)
  const settings = readCloudSettings(install, version, agentEnv)
  const identity = readIdentity(settings.paths, {
    cloudConf: settings.cloudConf,
    owners: agentFileOwners(install.runAsUser),
    v2: settings.rules.claim === 'claim.conf',
  })
  const secrets: string[] = []
  for (const doc of [settings.cloudConf, settings.claimConf]) {
    const t = doc?.get('global', 'token')?.value
    if (t) secrets.push(t, t.trim())
  }

  const tokenFile = readOrNull(join(settings.paths.cloudDir, 'token'))
  if (tokenFile) secrets.push(tokenFile.trim())
  for (const v of revealed) {
    if (/token|password|passwd|secret|(^|_)key($|_)/i.test(v.name)) secrets.push(v.value)
    try {
      const u = new URL(v.value)
      if (u.password) secrets.push(u.password, decodeURIComponent(u.password))
    } catch {}
  }

  for (const p of [settings.proxy.value, settings.effectiveProxy.value ?? '']) {
    try {
      const u = new URL(p)
      if (u.password) secrets.push(u.password, decodeURIComponent(u.password))
    } catch {}
  }

  const key = readOrNull(settings.paths.privateKey)
  if (key) secrets.push(key.trim())
  const anonymize = options.anonymize
    ? [
        {as: 'CLAIM-ID-REMOVED', value: identity.claimId.value ?? ''},
        {as: 'MACHINE-GUID-REMOVED', value: identity.machineGuid ?? ''},
      ]
    : []
  const s = makeScrubber(secrets, anonymize)

  const files: Array<{name: string; text: string}> = []
  const parts: ReportPart[] = []
  const add = (name: string, what: string, text: string) => {
    files.push({name, text})
    parts.push({bytes: Buffer.byteLength(text), name, state: 'ok', what})
  }

  const attempt = async (name: string, what: string, fn: () => Promise<string> | string) => {
    try {
      add(name, what, await fn())
    } catch (error) {
      parts.push({bytes: 0, detail: s.scrub((error as Error).message), name, state: 'failed', what})
    }
  }

  await attempt('status.json', 'netdata-cloud status --json (result)', async () =>
    s.json(await getStatus(install, {timeoutMs})),
  )
  await attempt('buildinfo.json', 'netdata -W buildinfo, parsed (netdata-cloud buildinfo --json)', () => {
    if (build instanceof Error) throw build
    return s.json(build)
  })
  if (options.noLink)
    parts.push({bytes: 0, detail: '--no-link', name: 'link.json', state: 'skipped', what: 'the link walk'})
  else
    await attempt('link.json', 'netdata-cloud link --json (result): the walk to Netdata Cloud', async () =>
      s.json(await linkNode(install, {caFiles: options.caFiles, deadlineMs: 6 * timeoutMs, force: true, timeoutMs})),
    )
  if (!options.noLink)
    await attempt(
      'endpoints.json',
      'status --endpoints --json (result): the egress allow-list, resolved now',
      async () => s.json(await listEndpoints(install, {caFile: options.caFiles?.[0], timeoutMs})),
    )
  await attempt(
    'aclk-log.json',
    'the ACLK and claim lines of the agent log, folded and explained (logs --json)',
    async () => s.json(await readAgentLogs(findLogSource(install), {})),
  )
  add(
    'service-env.json',
    "the agent's service environment (unit files, drop-ins, /etc/default, running processes), values masked",
    s.json(readServiceEnvironment(install)),
  )
  add(
    'cloud-d.json',
    `${settings.paths.cloudDir}: each entry's kind, mode, owner, group and size (no content)`,
    s.json({dir: settings.paths.cloudDir, entries: listDir(settings.paths.cloudDir), why: settings.paths.why}),
  )
  for (const [name, path] of [
    ['cloud.conf', settings.paths.cloudConf],
    ['claim.conf', settings.paths.claimConf],
  ] as const) {
    const text = settings.rules.claim === 'script' && name === 'claim.conf' ? null : readOrNull(path)
    if (text === null) parts.push({bytes: 0, detail: `${path}: absent`, name, state: 'skipped', what: path})
    else add(name, `${path}, secrets removed`, s.scrub(text))
  }

  const netdataConf = readOrNull(install.netdataConfPath)
  if (netdataConf !== null) add('netdata.conf', `${install.netdataConfPath}, secrets removed`, s.scrub(netdataConf))

  const manifest = {
    anonymized: Boolean(options.anonymize),
    created: now.toISOString(),
    files: parts,
    note: 'Secrets removed: claim tokens, private keys, proxy and MQTT passwords (and with --anonymize the claim id and machine GUID). The counts are replacements made, never the values.',
    redactions: s.counts,
    tool: `netdata-cloud ${options.toolVersion ?? ''}`.trim(),
  }
  const manifestText = JSON.stringify(manifest, null, 2) + '\n'
  const all = [{name: 'MANIFEST.json', text: manifestText}, ...files]
  const mtime = Math.floor(now.getTime() / 1000)
  const archive = tarGz(all.map(f => ({content: f.text, mtime, name: `${top}/${f.name}`}) as TarEntry))
  let file: null | string = null
  if (!options.print) {
    file = options.output ?? `${top}.tar.gz`
    writeFileAtomically(file, archive, {mode: 0o600, what: 'the report archive'})
  }

  return {
    anonymized: Boolean(options.anonymize),
    bytes: archive.length,
    contents: options.print ? all : undefined,
    file,
    parts,
    redactions: s.counts,
  }
}
