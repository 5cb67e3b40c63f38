// The link walk on a terminal: a COMPONENT TARGET STATUS DETAILS table (colours on a TTY), the fix line under each
// FAIL/WARN, one SUMMARY: line; and a progress line per step for stderr while the walk runs.

import type {StepRecord, StepStatus} from '../cloud/link-types.js'
import type {LinkReport} from '../services/link.js'
import {colors, table} from './output.js'

function paint(status: StepStatus): string {
  const c = colors()
  return {
    FAIL: c.red.bold('FAIL'),
    PASS: c.green('PASS'),
    SKIP: c.dim('SKIP'),
    WARN: c.yellow('WARN'),
  }[status]
}

export function renderLink(report: LinkReport): string {
  const rows: string[][] = []
  for (const s of report.steps) {
    rows.push([s.title, s.target, paint(s.status), `${s.ms} ms  ${s.detail}`])
    if (s.fix && (s.status === 'FAIL' || s.status === 'WARN'))
      rows.push(['', '', '', `${colors().bold('fix:')} ${s.fix}`])
  }

  const head = report.emulator ? `Walking the link against the emulator at ${report.url} (throw-away identity)\n\n` : ''
  return head + table(['COMPONENT', 'TARGET', 'STATUS', 'DETAILS'], rows) + `\nSUMMARY: ${report.summary}\n`
}

/** One stderr line per finished step (and a short one when a step starts). */
export function progressLine(
  event: {phase: 'end'; record: StepRecord} | {phase: 'start'; id: string; title: string; target: string},
): string | null {
  if (event.phase === 'start') return null
  const r = event.record
  return `[${r.status.padEnd(4)}] ${r.title} ${r.target} (${r.ms} ms)`
}
