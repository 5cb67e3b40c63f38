// Text for `enable`, `disable` and `implementation`: what changed (or the diff with --dry-run), what the agent makes
// of it, and whether a restart is needed.

import type {ImplementationReport, SwitchResult} from '../services/switch-implementation.js'
import type {ToggleResult} from '../services/toggle-cloud.js'
import {colors} from './output.js'

function restartLine(state: string, detail: string): string {
  const c = colors()
  if (state === 'done') return c.green(`Agent restarted: ${detail}`)
  if (state === 'failed') return c.red(`Restart FAILED: ${detail}`)
  if (state === 'needed')
    return c.yellow(`Restart needed: ${detail} (run with --restart, or restart the agent yourself)`)
  return `No restart needed: ${detail}`
}

function diffBlock(diff: string | undefined): string {
  if (!diff) return '(no change)\n'
  const c = colors()
  return diff
    .split('\n')
    .map(l =>
      l.startsWith('+') && !l.startsWith('+++') ? c.green(l) : l.startsWith('-') && !l.startsWith('---') ? c.red(l) : l,
    )
    .join('\n')
    .replace(/\n*$/, '\n')
}

export function renderToggle(r: ToggleResult): string {
  const shown = (v: null | string) => (v === null ? 'not set' : `enabled = ${v}`)
  let out = ''
  if (r.dryRun)
    out +=
      `Dry run: nothing was written. ${r.changed ? 'This change would be made:' : 'The file already says so.'}\n` +
      diffBlock(r.diff)
  else if (r.changed)
    out += `${r.created ? 'Created' : 'Changed'} ${r.file}${r.line ? `:${r.line}` : ''}: ${shown(r.before)} → ${shown(r.after)}\n`
  else
    out += `Unchanged: ${r.file}${r.line ? `:${r.line}` : ''} already has ${shown(r.after)} (${r.effectiveAfter} for ${r.era} agents)\n`
  const o = r.overriddenBy
  if (o?.what === 'NETDATA_DISABLE_CLOUD')
    out += `Cloud link for ${r.era} agents (${r.version ?? 'version unknown'}): stays off — NETDATA_DISABLE_CLOUD (${o.where}) overrides cloud.conf\n  Fix: ${o.fix}\n`
  else if (o)
    out += `Cloud link for ${r.era} agents (${r.version ?? 'version unknown'}): off, as before — ${o.where} has no ACLK\n`
  else
    out += `Cloud link for ${r.era} agents (${r.version ?? 'version unknown'}): ${r.effectiveBefore} → ${r.effectiveAfter}\n`
  out += restartLine(r.restart, r.restartDetail) + '\n'
  return out
}

export function renderImplementation(r: ImplementationReport): string {
  const rows: [string, string][] = [
    ['Configured', r.configured ? `${r.configured.value} (${r.file}:${r.configured.line})` : `not set in ${r.file}`],
    ['Default', `${r.default} (v1.32, when the key is not set)`],
    ['This build has', r.available.length > 0 ? r.available.join(', ') : 'no ACLK'],
    ['The agent uses', r.effective ?? 'none (no ACLK in this build)'],
    ['This era', `${r.era} (${r.version ?? 'version unknown'}): ${r.ruleText}`],
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n'
}

export function renderSwitch(r: SwitchResult): string {
  let out = ''
  const shown = (v: null | string) => (v === null ? 'not set' : `aclk implementation = ${v}`)
  if (r.dryRun)
    out +=
      `Dry run: nothing was written. ${r.changed ? 'This change would be made:' : 'The file already says so.'}\n` +
      diffBlock(r.diff)
  else if (r.changed)
    out += `${r.created ? 'Created' : 'Changed'} ${r.file}${r.configured ? `:${r.configured.line}` : ''}: ${shown(r.before)} → ${shown(r.after)}\n`
  else out += `Unchanged: ${r.file}${r.configured ? `:${r.configured.line}` : ''} already has ${shown(r.after)}\n`
  out += restartLine(r.restart, r.restartDetail) + '\n'
  return out
}
