// `set cloud.<option> <value>`: one netdata.conf `[cloud]` key (statistics, query thread count, proxy, mqtt5,
// conversation log, conversation log file, scope), written through the one safe writer like `implementation`
// (switch-implementation.ts is the model): lossless, atomic, --dry-run diff, --restart, idempotent. A key this era
// does not read is refused (unsupported), naming the era; `aclk implementation` is `netdata-cloud implementation`.

import {
  CLOUD_OPTIONS,
  findCloudOption,
  normaliseOptionValue,
  sameOptionValue,
  type CloudOption,
} from '../agent/cloud-options.js'
import {type Install, requireInstall} from '../agent/install.js'
import {UserError} from '../base/errors.js'
import type {Warning} from '../base/result.js'
import {redactUrl, registerSecret} from '../base/secrets.js'
import type {Version} from '../base/version.js'
import {unifiedDiff} from '../config/diff.js'
import {ConfigDocument} from '../config/document.js'
import {MODES, updateFileAtomically} from '../config/write.js'
import {buildContext, type ChangeOptions, type RestartState, settleRestart} from './toggle-cloud.js'

export interface SetOptionResult {
  /** netdata.conf */
  file: string
  /** `cloud.<name>` */
  option: string
  /** the netdata.conf key written (`query threads` on v2.1+) */
  key: string
  changed: boolean
  created: boolean
  dryRun: boolean
  /** the value as written before / after (proxy passwords redacted); null = not set */
  before: null | string
  after: null | string
  /** line of the key after the change */
  line: null | number
  era: string
  version: null | string
  /** what this era does with the key */
  does: string
  restart: RestartState
  restartDetail: string
  diff?: string
  warnings: Warning[]
}

const known = () => CLOUD_OPTIONS.map(o => `cloud.${o.name}`).join(', ')

/** `cloud.<option>` → the option, or a usage error naming the known ones. */
export function resolveOption(spec: string): CloudOption {
  if (!spec.startsWith('cloud.'))
    throw new UserError('usage', `${JSON.stringify(spec)}: options are named cloud.<option> (netdata.conf [cloud])`, {
      fix: `one of ${known()}`,
    })
  if (/^cloud\.aclk[ -]implementation$/i.test(spec))
    throw new UserError('usage', '`aclk implementation` has its own command, which knows the v1.32 build rules', {
      fix: 'netdata-cloud implementation ng|legacy',
    })
  const o = findCloudOption(spec)
  if (!o) throw new UserError('usage', `unknown option ${JSON.stringify(spec)}`, {fix: `one of ${known()}`})
  return o
}

export async function setCloudOption(
  install: Install,
  spec: string,
  rawValue: string,
  options: ChangeOptions = {},
): Promise<SetOptionResult> {
  requireInstall(install)
  const o = resolveOption(spec)
  const normal = normaliseOptionValue(o, rawValue)
  if ('problem' in normal)
    throw new UserError('badInput', `cloud.${o.name}: ${normal.problem}; nothing was written`, {
      fix: `netdata-cloud set cloud.${o.name} VALUE (${o.does})`,
    })
  const {value} = normal
  if (o.kind === 'proxy') {
    const password = safePassword(value)
    if (password) registerSecret(decodeURIComponent(password))
    if (password) registerSecret(password)
  }

  const {build, rules, version, warnings} = await buildContext(install, options.buildinfoFile)
  const v: Version = version ?? [1, 37, 1]
  if (!o.reads(v)) {
    throw new UserError(
      'unsupported',
      `${build.version ?? 'this agent'} (${rules.name}) does not read netdata.conf [cloud] ${o.key}: it is read by ${o.eras}; nothing was written`,
      {
        fix: 'leave it out; `netdata-cloud status` lists the [cloud] options this era reads',
        ref: 'netdata-facts.md §3.2',
      },
    )
  }

  const key = o.renamedTo?.(v) ?? o.key
  if (o.kind === 'proxy' && value.startsWith('socks5') && (v[0] < 2 || (v[0] === 2 && v[1] < 10)))
    warnings.push({
      message: `${rules.name} agents refuse a SOCKS5 proxy for the ACLK (the ACLK thread exits): v2.10+ support it`,
    })
  if (o.kind === 'proxy' && v[0] < 2 && v[1] === 32 && value.includes('@'))
    warnings.push({message: 'v1.32 ACLK-NG mangles user:password@ in a proxy URL (the host becomes @host)'})

  const root = (process.geteuid?.() ?? 0) === 0 ? {gid: 0, uid: 0} : undefined
  const seen: {before: null | string} = {before: null}
  const update = updateFileAtomically(
    install.netdataConfPath,
    text => {
      const doc = text === null ? ConfigDocument.empty() : ConfigDocument.parse(text)
      const current = doc.get('cloud', key) ?? (key === o.key ? undefined : doc.get('cloud', o.key))
      seen.before = current?.value ?? null
      if (current && sameOptionValue(o, current.value, value) && doc.get('cloud', key)) return text
      doc.set('cloud', key, value)
      if (key !== o.key) doc.unset('cloud', o.key) // v2.1+ migrate the old name; one key, not two that disagree
      return doc.render()
    },
    {dryRun: options.dryRun, mode: MODES.netdataConf, owner: root, what: 'netdata.conf'},
  )
  const after = update.after === null ? null : ConfigDocument.parse(update.after).get('cloud', key)
  const restart = await settleRestart(
    install,
    update.changed,
    options,
    'the agent reads netdata.conf [cloud] only when it starts',
  )
  if (restart.warning) warnings.push(restart.warning)
  const shown = (s: null | string) => (s === null ? null : o.kind === 'proxy' ? redactUrl(s) : s)
  let diff = options.dryRun ? await unifiedDiff(update.path, update.before, update.after) : undefined
  if (diff && o.kind === 'proxy') diff = redactProxyLines(diff)

  return {
    after: shown(after?.value ?? null),
    before: shown(seen.before),
    changed: update.changed,
    created: update.created,
    diff,
    does: o.does,
    dryRun: Boolean(options.dryRun),
    era: rules.name,
    file: update.path,
    key,
    line: after?.line ?? null,
    option: `cloud.${o.name}`,
    restart: restart.state,
    restartDetail: restart.detail,
    version: build.version,
    warnings,
  }
}

function safePassword(value: string): string | undefined {
  try {
    return new URL(value).password || undefined
  } catch {
    return undefined
  }
}

/** every `proxy = URL` line of a diff with its password replaced (the diff holds the whole file's context too) */
function redactProxyLines(diff: string): string {
  return diff
    .split('\n')
    .map(l => {
      const eq = l.indexOf('=')
      return eq > 0 && l.slice(0, eq).includes('proxy')
        ? l.slice(0, eq + 1) + ' ' + redactUrl(l.slice(eq + 1).trim())
        : l
    })
    .join('\n')
}
