// Text for `logs`: each folded ACLK/claim message with its count, first and last time, and what it means.

import type {FollowedLine, LogsReport} from '../services/agent-logs.js'
import {colors} from './output.js'

function causeLines(causes: FollowedLine['causes'], indent: string): string {
  const c = colors()
  if (causes.length === 0) return ''
  const [top] = causes
  const head = top.code === 'ok' ? c.green(top.cause) : c.yellow(top.cause)
  return `${indent}→ ${head} [${top.step}, ${top.id}]\n${top.code === 'ok' ? '' : `${indent}  Fix: ${top.fix}\n`}`
}

export function renderLogs(r: LogsReport): string {
  const c = colors()
  let out = `${r.source.kind === 'journal' ? 'journal' : r.source.path} (${r.source.why}): ${r.read} lines read, ${r.matched} ACLK/claim lines${r.since ? ` since ${r.since}` : ''}, ${r.groups.length} distinct\n\n`
  for (const g of r.groups) {
    const when = g.first ? (g.count > 1 && g.last !== g.first ? `${g.first} … ${g.last}` : g.first) : 'no time'
    const level = g.level ? `${g.level} ` : ''
    out += `${c.bold(`${String(g.count).padStart(4)}×`)} ${level}${g.message}\n      ${when}\n`
    out += causeLines(g.causes, '      ')
  }

  out +=
    r.groups.length === 0
      ? 'No ACLK or claim lines.\n'
      : `\n${r.problems} of ${r.groups.length} messages name a problem.\n`
  return out
}

export function renderFollowedLine(l: FollowedLine): string {
  return `${l.time ?? ''} ${l.level ?? ''} ${l.message}\n`.trimStart() + causeLines(l.causes, '  ')
}
