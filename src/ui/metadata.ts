import type {MetadataReport} from '../services/metadata.js'

import {table} from './output.js'

const kib = (n: number) => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`)

export function renderMetadata(r: MetadataReport): string {
  let out = `What this node (${r.hostname ?? 'hostname unknown'}) sends to Netdata Cloud once linked, read from ${r.agentUrl}:\n\n`
  out += table(
    ['WHAT', 'SOURCE', 'SIZE', 'CONTENT'],
    [
      ['Hostname', 'as it appears in Cloud', '', r.hostname ?? 'unknown'],
      ...r.items.map(i => [i.what.replace(/ shown in .*/, ''), i.path, kib(i.bytes), i.summary]),
    ],
  )
  const info = r.items.find(i => i.keys)
  if (info?.keys) out += `\n/api/v1/info keys: ${info.keys.join(', ')}\n`
  out += `\nTotal: ${kib(r.totalBytes)}. No metric values are stored in Cloud; they stream through it when you look at a chart.\n`
  if (r.savedTo) out += `Raw copies saved in ${r.savedTo} (mode 0600).\n`
  return out
}
