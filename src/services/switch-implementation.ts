// `implementation [ng|legacy]`: netdata.conf `[cloud] aclk implementation` (netdata-facts.md §3.2, §9.5).
//
// Only v1.32 reads the key (once, when the ACLK thread starts), and only a v1.32 build with both ACLKs can switch.
// v1.33–v1.36 read it but ignore `legacy` with an error log; v1.37+ do not read it; v1.30–v1.31 have one ACLK per
// build (chosen at build time); before v1.30 there is only the legacy ACLK. Anything but a real switch is refused.

import type {AclkImplementation} from '../agent/buildinfo.js'
import type {ImplementationKey} from '../agent/era.js'
import {type Install, requireInstall} from '../agent/install.js'
import {ConfigDocument} from '../config/document.js'
import {MODES, updateFileAtomically} from '../config/write.js'
import {UserError} from '../base/errors.js'
import type {Warning} from '../base/result.js'
import {buildContext, type ChangeOptions, type RestartState, settleRestart} from './toggle-cloud.js'
import {unifiedDiff} from '../config/diff.js' // loads the `diff` package only when called

export const ERA_RULE_TEXT: Record<ImplementationKey, string> = {
  honoured:
    'v1.32 reads it once when the ACLK starts (a restart applies a change); it must name an implementation this build has',
  ignored: 'agents before v1.30 have only the legacy ACLK; the key does not exist',
  'legacy-ignored': 'v1.33–v1.36 have only ACLK-NG: `legacy` is ignored with an error in the log',
  'not-read': 'v1.37 and later do not read the key: ACLK-NG is the only implementation',
  'one-per-build': 'v1.30–v1.31 have one implementation per build, chosen when it was built; the key does not exist',
}

export interface ImplementationReport {
  /** netdata.conf */
  file: string
  /** `[cloud] aclk implementation` as written, with its line; null when not set */
  configured: null | {value: string; line: number}
  /** what v1.32 uses when the key is not set */
  default: AclkImplementation
  /** compiled into this build */
  available: AclkImplementation[]
  /** what this agent runs (null: no ACLK) */
  effective: AclkImplementation | null
  era: string
  version: null | string
  rule: ImplementationKey
  ruleText: string
  warnings: Warning[]
}

export interface SwitchResult extends ImplementationReport {
  requested: AclkImplementation
  changed: boolean
  created: boolean
  dryRun: boolean
  before: null | string
  after: null | string
  restart: RestartState
  restartDetail: string
  diff?: string
}

function effectiveOf(
  rule: ImplementationKey,
  available: AclkImplementation[],
  configured: string | undefined,
): AclkImplementation | null {
  if (available.length === 0) return null
  if (rule !== 'honoured' || available.length === 1) return available.includes('ng') ? 'ng' : available[0]
  const want = configured?.toLowerCase()
  return want === 'legacy' || want === 'ng' ? want : 'ng' // unknown value: error log, the default (NG) is used
}

export async function showImplementation(
  install: Install,
  options: Pick<ChangeOptions, 'buildinfoFile'> = {},
): Promise<ImplementationReport> {
  requireInstall(install)
  const {build, rules, warnings} = await buildContext(install, options.buildinfoFile)
  const configured = install.netdataConf?.get('cloud', 'aclk implementation')
  if (configured && !/^(ng|legacy)$/i.test(configured.value) && rules.implementationKey === 'honoured') {
    warnings.push({
      message: `netdata.conf:${configured.line}: \`aclk implementation = ${configured.value}\` is neither ng nor legacy: the agent logs an error and uses the default`,
    })
  }

  return {
    available: build.aclk.implementations,
    configured: configured ? {line: configured.line, value: configured.value} : null,
    default: 'ng',
    effective: effectiveOf(rules.implementationKey, build.aclk.implementations, configured?.value),
    era: rules.name,
    file: install.netdataConfPath,
    rule: rules.implementationKey,
    ruleText: ERA_RULE_TEXT[rules.implementationKey],
    version: build.version,
    warnings,
  }
}

export async function switchImplementation(
  install: Install,
  requested: AclkImplementation,
  options: ChangeOptions = {},
): Promise<SwitchResult> {
  requireInstall(install)
  const {build, rules, warnings} = await buildContext(install, options.buildinfoFile)
  const available = build.aclk.implementations
  if (build.cloud.support !== 'yes' || available.length === 0) {
    throw new UserError(
      'noAclk',
      `this agent build has no ACLK (Netdata Cloud: ${build.cloud.raw.trim() || 'not shown'}${build.cloud.reason ? `, ${build.cloud.reason}` : ''}): there is no implementation to switch to; nothing was written`,
      {
        fix: 'install a build with Netdata Cloud support',
      },
    )
  }

  if (rules.implementationKey !== 'honoured') {
    throw new UserError(
      'unsupported',
      `cannot switch the ACLK implementation on ${build.version ?? 'this agent'} (${rules.name}): ${ERA_RULE_TEXT[rules.implementationKey]}; nothing was written`,
      {
        fix: `this build runs ${available.join(' and ')}; only v1.32 builds with both ACLKs can switch`,
      },
    )
  }

  if (!available.includes(requested)) {
    throw new UserError(
      'unsupported',
      `this build has no ${requested === 'ng' ? 'ACLK-NG' : 'ACLK Legacy'} (it has ${available.join(', ')}): the agent would log an error and fall back; nothing was written`,
      {
        fix: `keep ${available[0]}, or install a v1.32 build with both implementations`,
      },
    )
  }

  const root = (process.geteuid?.() ?? 0) === 0 ? {gid: 0, uid: 0} : undefined
  const seen: {before: null | string} = {before: null}
  const update = updateFileAtomically(
    install.netdataConfPath,
    text => {
      const doc = text === null ? ConfigDocument.empty() : ConfigDocument.parse(text)
      const current = doc.get('cloud', 'aclk implementation')
      seen.before = current?.value ?? null
      if (current && current.value.toLowerCase() === requested) return text // the agent compares case-insensitively
      doc.set('cloud', 'aclk implementation', requested)
      return doc.render()
    },
    {
      dryRun: options.dryRun,
      mode: MODES.netdataConf,
      owner: root,
      what: 'netdata.conf',
    },
  )
  const after = update.after === null ? null : ConfigDocument.parse(update.after).get('cloud', 'aclk implementation')
  const restart = await settleRestart(
    install,
    update.changed,
    options,
    'v1.32 reads `aclk implementation` once, when the ACLK starts',
    view => {
      const got = view.info?.aclkImplementation
      return !got || got === requested ? null : `the agent reports aclk-implementation ${got}, expected ${requested}`
    },
  )
  if (restart.warning) warnings.push(restart.warning)
  const diff = options.dryRun ? await unifiedDiff(update.path, update.before, update.after) : undefined

  return {
    after: after?.value ?? null,
    available,
    before: seen.before,
    changed: update.changed,
    configured: after ? {line: after.line, value: after.value} : null,
    created: update.created,
    default: 'ng',
    diff,
    dryRun: Boolean(options.dryRun),
    effective: options.dryRun
      ? effectiveOf(rules.implementationKey, available, seen.before ?? undefined)
      : effectiveOf(rules.implementationKey, available, after?.value),
    era: rules.name,
    file: update.path,
    requested,
    restart: restart.state,
    restartDetail: restart.detail,
    rule: rules.implementationKey,
    ruleText: ERA_RULE_TEXT[rules.implementationKey],
    version: build.version,
    warnings,
  }
}
