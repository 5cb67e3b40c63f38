// Text for `set cloud.<option> <value>`: what changed (or the diff with --dry-run), what this era does with the key,
// and whether a restart is needed.

import type {SetOptionResult} from '../services/set-cloud-option.js'
import {colors} from './output.js'

export function renderSetOption(r: SetOptionResult): string {
  const c = colors()
  const shown = (v: null | string) => (v === null ? 'not set' : `${r.key} = ${v}`)
  const where = `${r.file}${r.line ? `:${r.line}` : ''} [cloud]`
  let out = ''
  if (r.dryRun) {
    out += `Dry run: nothing was written. ${r.changed ? 'This change would be made:' : 'The file already says so.'}\n`
    out += r.diff
      ? r.diff
          .split('\n')
          .map(l =>
            l.startsWith('+') && !l.startsWith('+++')
              ? c.green(l)
              : l.startsWith('-') && !l.startsWith('---')
                ? c.red(l)
                : l,
          )
          .join('\n')
          .replace(/\n*$/, '\n')
      : '(no change)\n'
  } else if (r.changed) out += `${r.created ? 'Created' : 'Changed'} ${where}: ${shown(r.before)} → ${shown(r.after)}\n`
  else out += `Unchanged: ${where} already has ${shown(r.after)}\n`
  out += `${r.era} agents (${r.version ?? 'version unknown'}): ${r.does}\n`
  if (r.restart === 'done') out += c.green(`Agent restarted: ${r.restartDetail}`) + '\n'
  else if (r.restart === 'needed')
    out += c.yellow(`Restart needed: ${r.restartDetail} (run with --restart, or restart the agent yourself)`) + '\n'
  else out += `No restart needed: ${r.restartDetail}\n`
  return out
}
