// The link walk on a terminal: a COMPONENT TARGET STATUS DETAILS table (colours on a TTY), the fix line under each
// FAIL/WARN, one SUMMARY: line; and a progress line per step for stderr while the walk runs.

import type {StepRecord, StepStatus} from '../cloud/link-types.js'
import type {LinkReport} from '../services/link.js'
import {colors, printError, table, terminalWidth, wrapWords, writeStderr} from './output.js'

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

  const width = terminalWidth()
  const summary = `SUMMARY: ${report.summary}`
  return (
    table(['COMPONENT', 'TARGET', 'STATUS', 'DETAILS'], rows, width) +
    `\n${width ? wrapWords(summary, width - 2).join('\n  ') : summary}\n`
  )
}

type ProgressEvent = {phase: 'end'; record: StepRecord} | {phase: 'start'; id: string; title: string; target: string}

/**
 * Progress on stderr: the banner first (at the first step, which names the URL), then one line per finished step; on
 * a terminal, the step that is running is shown while it runs (and replaced by its result line).
 */
export function progressPrinter(options: {emulator: boolean; tty: boolean}): (event: ProgressEvent) => void {
  let bannered = false
  let pending = false
  return event => {
    if (!bannered) {
      bannered = true
      const url = event.phase === 'start' ? event.target : event.record.target
      printError(
        options.emulator
          ? `Walking the link against the emulator at ${url} (throw-away identity)`
          : `Walking the link to ${url}`,
      )
    }

    if (event.phase === 'start') {
      if (options.tty) {
        writeStderr(`[ .. ] ${event.title} ${event.target} …`)
        pending = true
      }

      return
    }

    const r = event.record
    const line = `[${r.status.padEnd(4)}] ${r.title} ${r.target} (${r.ms} ms)`
    if (pending) writeStderr('\r\u001B[2K')
    pending = false
    printError(line)
  }
}
