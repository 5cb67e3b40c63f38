// Text for `report`: what went into the archive (or, with --print, all of it), and where it is.

import type {ReportResult} from '../services/report/index.js'
import {colors, table} from './output.js'

export function renderReport(r: ReportResult): string {
  const c = colors()
  let out = ''
  if (r.contents) {
    for (const f of r.contents) out += `${c.bold(`==> ${f.name} <==`)}\n${f.text.replace(/\n*$/, '\n')}\n`
    out += `--print: nothing was written. Run without --print to write the archive (${r.bytes} bytes).\n`
    return out
  }

  out += table(
    ['FILE', 'STATE', 'BYTES', 'WHAT'],
    r.parts.map(p => [p.name, p.state === 'ok' ? 'ok' : `${p.state}: ${p.detail ?? ''}`, String(p.bytes), p.what]),
  )
  const removed = Object.entries(r.redactions)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ')
  out += `\nSecrets removed: ${removed || 'none found'}${r.anonymized ? '; claim id and machine GUID anonymized' : ''}\n`
  out +=
    c.green(`Wrote ${r.file} (${r.bytes} bytes, mode 0600).`) +
    ' Read it first: tar -xzOf ' +
    (r.file ?? '') +
    ' | less\n'
  return out
}
