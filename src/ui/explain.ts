// Text for `explain`: per line, each cause with its step, eras and fix; unknown lines said to be unknown.

import type {ExplainedCause, ExplainResult} from '../services/explain.js'
import {colors} from './output.js'

export function renderCause(c: ExplainedCause, indent = ''): string {
  const col = colors()
  const head = c.code === 'ok' ? col.green(c.cause) : c.cause
  return (
    `${indent}${head}\n` +
    `${indent}  step: ${c.step}; eras: ${c.eras}; class: ${c.code} (exit ${c.exit}); recognised: ${c.recognised} [${c.id}]\n` +
    `${indent}  Fix: ${c.fix}\n`
  )
}

export function renderExplain(r: ExplainResult): string {
  const c = colors()
  const one = r.lines.length === 1
  let out = ''
  for (const line of r.lines) {
    if (!one) out += c.bold(`> ${line.input}`) + '\n'
    if (line.causes.length === 0)
      out +=
        c.yellow(
          `${one ? '' : '  '}Not recognised: nothing in the table of causes matches this${one ? ` (${JSON.stringify(line.input)})` : ''}.`,
        ) + '\n'
    for (const cause of line.causes) out += renderCause(cause, one ? '' : '  ')
    if (!one) out += '\n'
  }

  if (r.explained === 0)
    out +=
      'netdata-cloud explain knows agent log lines (CLAIM:, ACLK:, SSL:, MQTT CONNACK), claim script exit codes ("exit 12"), errorMsgKeys (ErrForbidden), CONNACK codes ("connack 135") and verify errors ("verify error 20"); the README lists them all.\n'
  else if (!one) out += `${r.explained} of ${r.lines.length} lines explained, ${r.unknown} not recognised\n`
  return out
}
