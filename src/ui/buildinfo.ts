import type {BuildinfoReport} from '../services/buildinfo.js'

import {colors} from './output.js'

const CLOUD_TEXT = {no: 'no', 'no-by-user-request': 'no, by user request', yes: 'yes'} as const
const ERA_TEXT = {
  A: 'A (v1.29 and older)',
  B: 'B (v1.30–v1.31)',
  C: 'C (v1.32)',
  D: 'D (v1.33–v1.40)',
  E: 'E (v1.41–v1.47)',
  v2: 'v2.x',
} as const

export function cloudSupportText(r: Pick<BuildinfoReport, 'cloud'>): string {
  return CLOUD_TEXT[r.cloud.support] + (r.cloud.reason ? ` (${r.cloud.reason})` : '')
}

export function renderBuildinfo(r: BuildinfoReport): string {
  const c = colors()
  const impl =
    r.aclk.implementations.length === 0
      ? 'none'
      : r.aclk.implementations.map(i => (i === r.aclk.default ? `${i} (default)` : i)).join(', ')
  const rows: [string, string][] = [
    ['Source', r.source],
    ['Version', r.version ?? 'not in this output'],
    ['Format era', ERA_TEXT[r.era]],
    ['Can reach Cloud', r.cloud.support === 'yes' ? c.green(cloudSupportText(r)) : c.red(cloudSupportText(r))],
    ['ACLK implementations', impl + (r.aclk.switchable ? ' — switchable with `netdata-cloud implementation`' : '')],
    ['Install type', r.installType ?? 'not in this output'],
    ['Configure options', r.configureOptions.length > 0 ? r.configureOptions.join(' ') : 'none shown'],
  ]
  if (r.json !== 'not-run')
    rows.push(['-W buildinfojson', r.json === 'repaired' ? 'invalid as printed (missing commas), repaired' : r.json])
  const width = Math.max(...rows.map(([k]) => k.length))
  let out = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n') + '\n'
  if (r.unrecognised.length > 0) {
    out += `\nNot recognised (shown as printed):\n${r.unrecognised.map(l => `  ${l}`).join('\n')}\n`
  }

  return out
}
