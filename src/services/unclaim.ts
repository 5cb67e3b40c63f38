// `unclaim` (disconnect): remove this node's claim the way its era needs (netdata-facts.md §4.5, §9.13), and
// neutralise what would claim it again on restart (v2 claim.conf, split token/rooms files; NETDATA_CLAIM_* in the
// service environment is reported with the file to edit). Everything removed is first copied to cloud.d.bak-<time>.
// Netdata's own advice is `rm -rf cloud.d`; this keeps the key pair (unless --rotate-key) and a backup.
// Two steps, so the command can show what will go and ask before anything changes: planUnclaim, then applyUnclaim.

import {randomUUID} from 'node:crypto'
import {existsSync, lstatSync, readdirSync, unlinkSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import {agentFileOwners, lookupUser} from '../agent/accounts.js'
import {readAgentView} from '../agent/api.js'
import {claimRecordPath} from '../agent/claim-record.js'
import {readCloudSettings} from '../agent/cloud-settings.js'
import {type CloudPaths, cloudPaths} from '../agent/cloud-paths.js'
import {eraName} from '../agent/era.js'
import {readIdentity} from '../agent/identity.js'
import type {Install} from '../agent/install.js'
import {cli} from './claim/tell-agent.js'
import {restartInstallAgent} from '../agent/restart.js'
import {readServiceEnvironment} from '../agent/service-env.js'
import {parseVersion, type Version} from '../base/version.js'
import {
  editConfigText,
  readFileForEdit,
  updateFileAtomically,
  writeError,
  writeFileAtomically,
} from '../config/write.js'
import {UserError} from '../base/errors.js'
import {buildinfoFromAgent, buildinfoFromFile} from './buildinfo.js'

export interface UnclaimOptions {
  install: Install
  dryRun?: boolean
  /** copy what is removed to <cloud.d>.bak-<time> (default true) */
  backup?: boolean
  rotateKey?: boolean
  regenerateGuid?: boolean
  /** restart the agent afterwards (systemd / service); otherwise say that a restart is needed */
  restart?: boolean
  /** v1: `netdatacli reload-claiming-state` on a running agent (default true) */
  reload?: boolean
  buildinfoFile?: string
  /** ask the running agent for its node id (default true) */
  askAgent?: boolean
  now?: Date
}

export interface Removal {
  path: string
  action: 'edit' | 'regenerate' | 'remove'
  /** for edit: the keys removed */
  keys?: string[]
}

export interface UnclaimPlan {
  era: string
  v2: boolean
  paths: CloudPaths
  oldClaimId: null | string
  oldNodeId: null | string
  removals: Removal[]
  backupDir: null | string
  notes: string[]
}

export interface UnclaimResult {
  oldClaimId: null | string
  oldNodeId: null | string
  removed: {path: string; action: string}[]
  backup: null | string
  changed: boolean
  dryRun: boolean
  era: string
  restart: {state: 'failed' | 'needed' | 'not-needed' | 'reloaded' | 'restarted'; messages: string[]}
  notes: string[]
}

async function agentVersion(options: UnclaimOptions): Promise<{version: null | Version; v2: boolean}> {
  try {
    const b = options.buildinfoFile
      ? await buildinfoFromFile(options.buildinfoFile)
      : await buildinfoFromAgent(options.install)
    const version = b.version ? parseVersion(b.version) : null
    return {v2: b.era === 'v2' || (version?.[0] ?? 0) >= 2, version}
  } catch {
    // no binary to ask: decide by the files (a claim.conf or a v2-style cloud.conf means v2)
    return {v2: false, version: null}
  }
}

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
}

export async function planUnclaim(options: UnclaimOptions): Promise<UnclaimPlan> {
  const {install} = options
  const {v2: v2Build, version} = await agentVersion(options)
  const paths = cloudPaths(install, version ?? (v2Build ? [2, 0, 0] : null))
  const settings = readCloudSettings(install, version ?? (v2Build ? [2, 0, 0] : null))
  const v2 =
    v2Build ||
    (version === null && (existsSync(paths.claimConf) || Boolean(settings.cloudConf?.get('global', 'claimed_id'))))
  const identity = readIdentity(paths, {cloudConf: settings.cloudConf, owners: agentFileOwners(install.runAsUser), v2})
  const removals: Removal[] = []
  const notes: string[] = []
  if (existsSync(paths.claimedId)) removals.push({action: 'remove', path: paths.claimedId})
  const confKeys = ['claimed_id', 'token'].filter(k => settings.cloudConf?.get('global', k) !== undefined)
  if (confKeys.length > 0) removals.push({action: 'edit', keys: confKeys, path: paths.cloudConf})
  for (const f of ['token', 'rooms'])
    if (existsSync(join(paths.cloudDir, f))) removals.push({action: 'remove', path: join(paths.cloudDir, f)})
  if (v2 && existsSync(paths.claimConf)) removals.push({action: 'remove', path: paths.claimConf})
  const claimed = removals.length > 0
  // netdata-cloud's own record of what the claim sent goes with the claim
  const record = claimRecordPath(paths.cloudDir)
  if (claimed && existsSync(record)) removals.push({action: 'remove', path: record})
  if (options.rotateKey) {
    for (const p of [paths.privateKey, paths.publicKey]) if (existsSync(p)) removals.push({action: 'remove', path: p})
  }

  if (options.regenerateGuid) {
    removals.push({action: 'regenerate', path: paths.machineGuid})
    notes.push(
      '--regenerate-guid: this node gets a new machine GUID (netdata.public.unique.id). Do this only on a cloned VM or image: ' +
        'streaming parents, the registry and Cloud will see it as a new node.' +
        (v2 ? ' v2 agents may restore the old GUID from status-netdata.json backups: restart and check.' : ''),
    )
  }

  for (const v of readServiceEnvironment(install)) {
    if (v.name.startsWith('NETDATA_CLAIM_')) {
      notes.push(
        `${v.name} is set for the agent (${v.source}): ${v2 ? 'a v2 agent claims itself again with it on restart' : 'a Docker/kickstart start may claim again with it'}; remove it from that file`,
      )
    }
  }

  let oldNodeId: null | string = null
  if (claimed && options.askAgent !== false) {
    const view = await readAgentView(install.agentUrl, 2000).catch(() => null)
    oldNodeId = view?.info?.nodeId ?? null
  }

  const backupDir =
    options.backup === false || removals.length === 0
      ? null
      : `${paths.cloudDir}.bak-${stamp(options.now ?? new Date())}`
  return {
    backupDir,
    era: eraName(version ?? (v2 ? [2, 0, 0] : [1, 37, 1])),
    notes,
    oldClaimId: identity.claimId.value,
    oldNodeId,
    paths,
    removals,
    v2,
  }
}

function checkPermission(install: Install, plan: UnclaimPlan): void {
  const euid = process.geteuid?.() ?? 0
  if (euid === 0) return
  if (plan.removals.some(r => r.path === plan.paths.claimConf))
    throw new UserError('permission', `removing ${plan.paths.claimConf} needs root`, {fix: 'run with sudo'})
  const user = lookupUser(install.runAsUser)
  if (!user || user.uid !== euid)
    throw new UserError('permission', `unclaim must run as root or as the agent's user (${install.runAsUser})`, {
      fix: 'run with sudo',
    })
}

/** Copy one file into the backup dir, keeping its owner and mode (the private key stays 0600). */
function backupFile(path: string, dir: string, name = basename(path)): void {
  const f = readFileForEdit(path, {maxBytes: 1024 * 1024})
  if (!f) return
  writeFileAtomically(join(dir, name), f.text, {
    createDir: {mode: 0o700},
    mode: f.mode,
    owner: {gid: f.gid, uid: f.uid},
    what: 'backup',
  })
}

export async function applyUnclaim(plan: UnclaimPlan, options: UnclaimOptions): Promise<UnclaimResult> {
  const base = {
    backup: plan.backupDir,
    dryRun: Boolean(options.dryRun),
    era: plan.era,
    notes: plan.notes,
    oldClaimId: plan.oldClaimId,
    oldNodeId: plan.oldNodeId,
  }
  if (plan.removals.length === 0) {
    return {
      ...base,
      backup: null,
      changed: false,
      removed: [],
      restart: {messages: [], state: 'not-needed'},
    }
  }

  if (options.dryRun) {
    return {
      ...base,
      changed: true,
      removed: plan.removals.map(r => ({
        action: `would-${r.action}`,
        path: r.path + (r.keys ? ` [${r.keys.join(', ')}]` : ''),
      })),
      restart: {messages: [], state: 'needed'},
    }
  }

  checkPermission(options.install, plan)
  if (plan.backupDir) {
    // the whole cloud.d (regular files only), plus claim.conf and the GUID when they change
    for (const name of listFiles(plan.paths.cloudDir)) backupFile(join(plan.paths.cloudDir, name), plan.backupDir)
    for (const r of plan.removals) {
      if (dirname(r.path) !== plan.paths.cloudDir && existsSync(r.path))
        backupFile(r.path, plan.backupDir, r.path === plan.paths.claimConf ? 'claim.conf' : basename(r.path))
    }
  }

  const removed: UnclaimResult['removed'] = []
  for (const r of plan.removals) {
    if (r.action === 'remove') {
      try {
        unlinkSync(r.path)
      } catch (error) {
        throw writeError(r.path, error, 'remove')
      }

      removed.push({action: 'removed', path: r.path})
    } else if (r.action === 'edit') {
      updateFileAtomically(
        r.path,
        before => editConfigText(before, doc => r.keys!.map(k => doc.unset('global', k)).some(Boolean)),
        {what: 'cloud.conf'},
      )
      removed.push({action: `edited (${r.keys!.join(', ')} removed)`, path: r.path})
    } else {
      const existing = readFileForEdit(r.path)
      const owner = existing ? undefined : (lookupUser(options.install.runAsUser) ?? undefined)
      writeFileAtomically(r.path, randomUUID(), {
        createDir: {mode: 0o755, owner},
        mode: 0o644,
        owner,
        what: 'machine GUID',
      })
      removed.push({action: 'regenerated', path: r.path})
    }
  }

  return {
    ...base,
    changed: true,
    removed,
    restart: await afterUnclaim(options, plan),
  }
}

/**
 * v1 re-reads claimed_id on `reload-claiming-state` (and drops the link), so it is unclaimed at once; a restart
 * still starts it clean. v2 keeps its claim in memory until it restarts (docs: "without a restart it stays connected").
 */
async function afterUnclaim(options: UnclaimOptions, plan: UnclaimPlan): Promise<UnclaimResult['restart']> {
  const messages: string[] = []
  if (options.restart) {
    const r = await restartInstallAgent(options.install, view =>
      view.info?.agentClaimed === true ? 'the agent still reports agent-claimed true' : null,
    )
    if (r.ok) return {messages: [r.message], state: 'restarted'}
    return {messages: [r.message, "the files are changed; restart this install's agent yourself"], state: 'failed'}
  }

  if (!plan.v2 && options.reload !== false && options.install.netdatacli && !options.regenerateGuid) {
    const a = await cli(options.install, ['reload-claiming-state'])
    if (a?.state === 'ok')
      return {
        messages: [
          'the running agent reloaded its claiming state: it is no longer claimed',
          'restart it anyway to start clean (systemctl restart netdata)',
        ],
        state: 'reloaded',
      }
    messages.push(
      a?.state === 'no-agent'
        ? `the agent of this install was not told (${a.message})`
        : `netdatacli reload-claiming-state: ${a?.state === 'failed' ? a.message : 'no netdatacli'}`,
    )
  }

  messages.push(
    `restart the agent so it drops the claim: systemctl restart netdata (or rerun with --restart)${plan.v2 ? '; a v2 agent stays connected until then' : ''}`,
  )
  return {messages, state: 'needed'}
}

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir).filter(n => !n.startsWith('.') && lstatSync(join(dir, n)).isFile())
  } catch {
    return []
  }
}
