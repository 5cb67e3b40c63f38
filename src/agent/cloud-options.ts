// netdata.conf `[cloud]` options: which keys each agent era reads, their defaults, the values they accept, and what
// the agent does with them (netdata-facts.md §3.2, §5.8). `aclk implementation` has its own command (implementation).

import {compareVersions, type Version} from '../base/version.js'
import type {ConfigDocument} from '../config/document.js'
import {redactUrl} from '../base/secrets.js'

export type OptionKind = 'boolean' | 'count' | 'path' | 'proxy' | 'scope'

export interface CloudOption {
  /** the key as netdata.conf spells it */
  key: string
  /** the name on the command line: cloud.<name> (spaces as dashes) */
  name: string
  kind: OptionKind
  /** the eras that read it, for messages */
  eras: string
  /** whether an agent of this version reads the key */
  reads: (v: Version) => boolean
  /** the agent's default, as text */
  default: string
  /** what the agent does with it */
  does: string
  /** a v2.1+ rename: the key this version reads instead (the agent migrates the old name itself) */
  renamedTo?: (v: Version) => string | undefined
}

const at = (v: Version, min: Version, below?: Version) =>
  compareVersions(v, min) >= 0 && (below === undefined || compareVersions(v, below) < 0)

export const CLOUD_OPTIONS: CloudOption[] = [
  {
    default: 'yes',
    does: 'ACLK statistics charts (netdata.aclk_*)',
    eras: 'v1.x (gone in v2.0)',
    key: 'statistics',
    kind: 'boolean',
    name: 'statistics',
    reads: v => v[0] < 2,
  },
  {
    default: 'min(cpus/2, 6), at least 2 (v2.1+: max(6, min(cpus, libuv workers/2)))',
    does: 'threads that answer Cloud queries',
    eras: 'all (v2.1+ read it as `query threads`, migrated from the old name)',
    key: 'query thread count',
    kind: 'count',
    name: 'query-thread-count',
    reads: () => true,
    renamedTo: v => (at(v, [2, 1, 0]) ? 'query threads' : undefined),
  },
  {
    default: 'env',
    does: 'the proxy for the ACLK (and claiming): none, env (http_proxy/https_proxy…), http://[user:pass@]host:port, socks5[h]://…',
    eras: 'all (v1.46+: cloud.conf [global] proxy too; netdata.conf wins when set)',
    key: 'proxy',
    kind: 'proxy',
    name: 'proxy',
    reads: () => true,
  },
  {
    default: 'no on v1.35, yes on v1.36',
    does: 'MQTT 5 instead of 3.1.1 on the wire',
    eras: 'v1.35–v1.36 (v1.37+ always speak MQTT 5)',
    key: 'mqtt5',
    kind: 'boolean',
    name: 'mqtt5',
    reads: v => at(v, [1, 35, 0], [1, 37, 0]),
  },
  {
    default: 'no',
    does: 'log every ACLK message to the conversation log file (debugging)',
    eras: 'v1.36+',
    key: 'conversation log',
    kind: 'boolean',
    name: 'conversation-log',
    reads: v => at(v, [1, 36, 0]),
  },
  {
    default: '<log dir>/aclk.log',
    does: 'where the conversation log goes',
    eras: 'v1.36+',
    key: 'conversation log file',
    kind: 'path',
    name: 'conversation-log-file',
    reads: v => at(v, [1, 36, 0]),
  },
  {
    default: 'full',
    does: '`license manager` restricts what Cloud may query on this node',
    eras: 'v2.0+',
    key: 'scope',
    kind: 'scope',
    name: 'scope',
    reads: v => v[0] >= 2,
  },
]

/** `cloud.statistics`, `cloud.query-thread-count`, `cloud.query thread count`, `query threads` → the option. */
export function findCloudOption(spec: string): CloudOption | undefined {
  const bare = spec.startsWith('cloud.') ? spec.slice(6) : spec
  const norm = bare.trim().toLowerCase().replaceAll('-', ' ').replaceAll('_', ' ').replace(/\s+/g, ' ')
  if (norm === 'query threads') return CLOUD_OPTIONS.find(o => o.key === 'query thread count')
  return CLOUD_OPTIONS.find(o => o.key === norm)
}

const TRUE = new Set(['on', 'true', 'yes'])
const FALSE = new Set(['false', 'no', 'off'])

/** The value to write, or a one-line reason it is not one the agent accepts. */
export function normaliseOptionValue(o: CloudOption, raw: string): {value: string} | {problem: string} {
  const v = raw.trim()
  switch (o.kind) {
    case 'boolean': {
      const l = v.toLowerCase()
      if (TRUE.has(l)) return {value: 'yes'}
      if (FALSE.has(l)) return {value: 'no'}
      return {
        problem: `${JSON.stringify(raw)} is not a boolean the agent reads: use yes or no (1 and 0 mean no to netdata)`,
      }
    }

    case 'count': {
      if (!/^\d{1,4}$/.test(v) || Number(v) < 1 || Number(v) > 1024)
        return {problem: `${JSON.stringify(raw)} is not a thread count: use a whole number from 1 to 1024`}
      return {value: String(Number(v))}
    }

    case 'path': {
      if (!v.startsWith('/') || v.includes('\n')) return {problem: `${JSON.stringify(raw)} is not an absolute path`}
      return {value: v}
    }

    case 'proxy': {
      if (v === 'none' || v === 'env') return {value: v}
      if (v.startsWith('https://'))
        return {problem: 'the agent does not support https:// proxies (no TLS to the proxy): use http://host:port'}
      let url: URL
      try {
        url = new URL(v)
      } catch {
        return {
          problem: `${redactUrl(v)} is not none, env or a proxy URL (http://[user:pass@]host:port, socks5[h]://…)`,
        }
      }

      if (!['http:', 'socks5:', 'socks5h:'].includes(url.protocol) || !url.hostname)
        return {problem: `${redactUrl(v)}: the agent knows http://, socks5:// and socks5h:// proxies only`}
      return {value: v}
    }

    case 'scope': {
      if (v === 'full' || v === 'license manager') return {value: v}
      return {problem: `${JSON.stringify(raw)} is not a scope: use full or license manager`}
    }
  }
}

/** Whether two written values mean the same to the agent (booleans are case-insensitive yes/true/on). */
export function sameOptionValue(o: CloudOption, a: string, b: string): boolean {
  if (o.kind === 'boolean') {
    const truth = (s: string) => (TRUE.has(s.toLowerCase()) ? 'yes' : FALSE.has(s.toLowerCase()) ? 'no' : s)
    return truth(a) === truth(b)
  }

  return a.trim() === b.trim()
}

export interface CloudOptionState {
  key: string
  name: string
  /** what is written (proxy passwords redacted), null when not set */
  value: null | string
  /** `netdata.conf:12`, or `default` */
  source: string
  default: string
  /** what the agent makes of it: `read`, or `ignored` by this era */
  era: 'ignored' | 'read'
  /** one line: what this era does with it */
  note: string
}

/**
 * Each [cloud] option of netdata.conf as this era sees it: the known keys (set or not) and any other key written
 * in the section (`not a [cloud] key any era reads`). `aclk implementation` is left to `implementation`.
 */
export function describeCloudOptions(
  doc: ConfigDocument | null,
  file: string,
  version: Version,
  eraName: string,
): CloudOptionState[] {
  const base = file.split('/').pop() ?? file
  const rows: CloudOptionState[] = []
  for (const o of CLOUD_OPTIONS) {
    const renamed = o.renamedTo?.(version)
    const newer = renamed ? doc?.get('cloud', renamed) : undefined
    const setting = newer ?? doc?.get('cloud', o.key)
    const reads = o.reads(version)
    rows.push({
      default: o.default,
      era: reads ? 'read' : 'ignored',
      key: newer && renamed ? renamed : o.key,
      name: o.name,
      note: reads
        ? `${o.does}${renamed ? ` (${eraName} reads \`${renamed}\`)` : ''}`
        : `ignored by ${eraName} agents: read by ${o.eras}`,
      source: setting ? `${base}:${setting.line}` : 'default',
      value: setting ? (o.kind === 'proxy' ? redactUrl(setting.value) : setting.value) : null,
    })
  }

  const known = new Set(['aclk implementation', 'query threads', ...CLOUD_OPTIONS.map(o => o.key)])
  for (const [key, setting] of doc?.settings().get('cloud') ?? []) {
    if (known.has(key)) continue
    rows.push({
      default: '',
      era: 'ignored',
      key,
      name: key.replaceAll(' ', '-'),
      note: `not a [cloud] key netdata-cloud knows for ${eraName} (legacy debug keys, typos): the agent ignores it`,
      source: `${base}:${setting.line}`,
      value: setting.value,
    })
  }

  return rows
}
