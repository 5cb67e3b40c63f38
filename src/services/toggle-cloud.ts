// `enable` / `disable`: cloud.conf `[global] enabled` in the file this era's agent reads (netdata-facts.md §2).
//
// Era rules: v1.22–v1.40 read `enabled` as a boolean (yes/true/on/auto → on), v1.41–v1.47 know yes/no/auto
// (case-sensitive; unset = auto), v2.x do not read it at all (refused: unclaiming is what works there).
// NETDATA_DISABLE_CLOUD in the agent's environment overrides the file on v1.41–v1.47 (detected, warned).
// `enable` on a build without the ACLK refuses (noAclk) unless --force; `disable` proceeds there: it is harmless,
// and the setting is kept if the build is later replaced by one with cloud support.

import {type BuildinfoReport, buildinfoFromAgent, buildinfoFromFile} from './buildinfo.js'
import {accountOwner} from '../agent/accounts.js'
import {type FileOwner, MODES, updateFileAtomically} from '../config/write.js'
import {ConfigDocument} from '../config/document.js'
import {cloudPaths} from '../agent/cloud-paths.js'
import {type EraRules, eraRules, interpretEnabled, UNKNOWN_ERA_NOTE} from '../agent/era.js'
import {type Install, requireInstall} from '../agent/install.js'
import type {AgentView} from '../agent/api.js'
import {restartInstallAgent} from '../agent/restart.js'
import {netdataPids, readServiceEnvironment, type ServiceEnvVar, whereSet} from '../agent/service-env.js'
import {parseVersion, type Version} from '../base/version.js'
import {UserError} from '../base/errors.js'
import type {Warning} from '../base/result.js'
import {unifiedDiff} from '../config/diff.js' // loads the `diff` package only when called

export type RestartState = 'done' | 'failed' | 'needed' | 'not-needed'

export interface ChangeOptions {
  dryRun?: boolean
  restart?: boolean
  /** a saved `netdata -W buildinfo` output to use instead of running the agent (support and tests) */
  buildinfoFile?: string
  /** where /etc (units, drop-ins, /etc/default) and /proc are read from: tests */
  systemRoot?: string
}

export interface ToggleOptions extends ChangeOptions {
  action: 'disable' | 'enable'
  /** enable: write `auto` (v1.41–v1.47) instead of `yes` */
  auto?: boolean
  /** enable: write even when the build has no ACLK */
  force?: boolean
}

export interface ToggleResult {
  action: 'disable' | 'enable'
  /** the cloud.conf this agent reads */
  file: string
  changed: boolean
  created: boolean
  dryRun: boolean
  /** `enabled` as written before / after (null: not set) */
  before: null | string
  after: null | string
  /** what the agent makes of it: the file's value, unless no ACLK or NETDATA_DISABLE_CLOUD overrides it */
  effectiveBefore: string
  effectiveAfter: string
  /** why the link is off whatever the file says (no ACLK, NETDATA_DISABLE_CLOUD), when it is */
  overriddenBy?: {what: 'NETDATA_DISABLE_CLOUD' | 'noAclk'; where: string; fix?: string}
  /** line of `enabled` after the change (1-based), null when unset */
  line: null | number
  era: string
  version: null | string
  cloudSupport: BuildinfoReport['cloud']['support']
  restart: RestartState
  restartDetail: string
  /** NETDATA_DISABLE_CLOUD where the service environment sets it */
  environment: ServiceEnvVar[]
  /** the unified diff (with --dry-run) */
  diff?: string
  warnings: Warning[]
}

export interface BuildContext {
  build: BuildinfoReport
  version: null | Version
  rules: EraRules
  warnings: Warning[]
}

/** The build and era the change is judged against. */
export async function buildContext(install: Install, buildinfoFile?: string): Promise<BuildContext> {
  const build = buildinfoFile ? await buildinfoFromFile(buildinfoFile) : await buildinfoFromAgent(install)
  const version = build.version ? parseVersion(build.version) : null
  const warnings: Warning[] = version ? [] : [{message: UNKNOWN_ERA_NOTE}]
  return {
    build,
    rules: eraRules(version),
    version,
    warnings,
  }
}

/**
 * Restart this install's agent when asked to (and check it came back with `check`); otherwise say whether a restart
 * is needed, and why.
 */
export async function settleRestart(
  install: Install,
  changed: boolean,
  options: ChangeOptions,
  why: string,
  check?: (view: AgentView) => null | string,
): Promise<{state: RestartState; detail: string; warning?: Warning}> {
  if (!changed) return {detail: 'nothing changed', state: 'not-needed'}
  if (options.dryRun) return {detail: `after applying: ${why}`, state: 'needed'}
  if (options.restart) {
    const r = await restartInstallAgent(install, check)
    if (r.ok) return {detail: r.message, state: 'done'}
    return {
      detail: `${why}; the file is written, but ${r.message}`,
      state: 'failed',
      warning: {
        fix: `restart this install's agent yourself${r.command ? ` (${r.command.join(' ')})` : ''}, then check: netdata-cloud status`,
        message: `the agent was not restarted: ${r.message}`,
      },
    }
  }

  if (netdataPids(install).length === 0)
    return {detail: 'the agent is not running: the change applies when it starts', state: 'not-needed'}
  return {detail: why, state: 'needed'}
}

/** Owner and mode for files netdata-cloud creates in cloud.d: the agent's `run as user` and its primary group. */
export function agentOwner(install: Install, warnings: Warning[]): FileOwner | undefined {
  const owner = accountOwner(install.runAsUser)
  if (!owner)
    warnings.push({
      message: `the agent's user ${install.runAsUser} does not exist here: a new file gets the running user as its owner`,
    })
  return owner ?? undefined
}

const EFFECT = {auto: 'auto', no: 'off', yes: 'on'} as const

export async function toggleCloud(install: Install, options: ToggleOptions): Promise<ToggleResult> {
  requireInstall(install)
  const {build, rules, version, warnings} = await buildContext(install, options.buildinfoFile)
  const enable = options.action === 'enable'
  if (rules.enabled === 'ignored') {
    throw new UserError(
      'unsupported',
      `this agent (${build.version}, ${rules.name}) does not read cloud.conf [global] enabled: a v2 agent links whenever it is claimed`,
      {
        fix: enable
          ? 'claim the node: netdata-cloud claim'
          : 'disconnect it: netdata-cloud unclaim (removes cloud.d credentials, claim.conf and NETDATA_CLAIM_* so it is not re-claimed), then restart the agent',
        ref: 'netdata-facts.md §2.2, §4.5',
      },
    )
  }

  if (options.auto && rules.enabled !== 'ondemand') {
    throw new UserError(
      'unsupported',
      `\`enabled = auto\` is understood by v1.41–v1.47 only; this agent is ${rules.name} (there \`auto\` simply means yes)`,
      {fix: 'run `netdata-cloud enable` without --auto'},
    )
  }

  if (enable && build.cloud.support !== 'yes' && !options.force) {
    throw new UserError(
      'noAclk',
      `this agent build has no ACLK (Netdata Cloud: ${build.cloud.raw.trim() || 'not shown'}${build.cloud.reason ? `, ${build.cloud.reason}` : ''}): enabling the cloud link would change nothing; nothing was written`,
      {
        fix: 'install a build with Netdata Cloud support (e.g. the kickstart static build), or pass --force to write cloud.conf anyway',
      },
    )
  }

  if (build.cloud.support !== 'yes') {
    warnings.push({
      message: enable
        ? 'this build has no ACLK: the setting is written (--force) but has no effect until the agent is replaced by a build with cloud support'
        : 'this build has no ACLK, so the cloud link is off anyway; the setting is kept for a future build with cloud support',
    })
  }

  const value = enable ? (options.auto ? 'auto' : 'yes') : 'no'
  const paths = cloudPaths(install, version)
  const owner = agentOwner(install, warnings)
  const seen: {before: null | string} = {before: null}
  const update = updateFileAtomically(
    paths.cloudConf,
    text => {
      const doc = text === null ? ConfigDocument.empty() : ConfigDocument.parse(text)
      const current = doc.get('global', 'enabled')
      seen.before = current?.value ?? null
      // already in effect (e.g. `true` on v1.37 for enable): leave the file alone, so a second run changes nothing
      if (current && interpretEnabled(rules, current.value).effective === EFFECT[value]) return text
      doc.set('global', 'enabled', value)
      return doc.render()
    },
    {
      createDir: {mode: MODES.cloudDir, owner},
      dryRun: options.dryRun,
      mode: MODES.cloudConf,
      owner,
      what: 'cloud.conf',
    },
  )
  const afterDoc = update.after === null ? null : ConfigDocument.parse(update.after)
  const afterSetting = afterDoc?.get('global', 'enabled')

  const environment = readServiceEnvironment(
    install,
    options.systemRoot ? {proc: `${options.systemRoot}/proc`, root: options.systemRoot} : {},
  ).filter(v => v.name === 'NETDATA_DISABLE_CLOUD')
  let overriddenBy: ToggleResult['overriddenBy']
  if (build.cloud.support !== 'yes')
    overriddenBy = {what: 'noAclk', where: `this build (Netdata Cloud: ${build.cloud.raw.trim() || 'no'})`}
  if (environment.length > 0) {
    const where = whereSet(environment)
    if (rules.enabled === 'ondemand') {
      overriddenBy ??= {fix: where.fix, what: 'NETDATA_DISABLE_CLOUD', where: where.where}
      warnings.push({
        fix: where.fix,
        message: `NETDATA_DISABLE_CLOUD=${environment[0].value} is set for the agent (${where.where}): it overrides cloud.conf and keeps the cloud link off`,
      })
    } else
      warnings.push({
        message: `NETDATA_DISABLE_CLOUD is set (${where.where}) but ${rules.name} agents do not read it (v1.41–v1.47 do)`,
      })
  }

  const effective = (v: null | string | undefined) =>
    overriddenBy ? 'off' : interpretEnabled(rules, v ?? undefined).effective

  const why = 'v1 agents read cloud.conf only when they start'
  const wanted = effective(afterSetting?.value)
  const restart = await settleRestart(install, update.changed, options, why, view => {
    const got = view.info?.cloudEnabled
    if (wanted === 'auto' || typeof got !== 'boolean' || got === (wanted === 'on')) return null
    return `the agent reports cloud-enabled ${got}, expected ${wanted === 'on'}`
  })
  if (restart.warning) warnings.push(restart.warning)
  const diff = options.dryRun ? await unifiedDiff(update.path, update.before, update.after) : undefined

  return {
    action: options.action,
    after: afterSetting?.value ?? null,
    before: seen.before,
    changed: update.changed,
    cloudSupport: build.cloud.support,
    created: update.created,
    diff,
    dryRun: Boolean(options.dryRun),
    effectiveAfter: effective(afterSetting?.value),
    effectiveBefore: effective(seen.before),
    environment,
    era: rules.name,
    file: update.path,
    line: afterSetting?.line ?? null,
    overriddenBy,
    restart: restart.state,
    restartDetail: restart.detail,
    version: build.version,
    warnings,
  }
}
