// The environment the agent's service runs with: what the init system gives it, and what a running agent really has.
// Sources, in the order systemd/sysvinit apply them (later wins for the same name):
//   /etc/default/netdata, /etc/sysconfig/netdata (shell-style KEY=VALUE, read by the SysV script / EnvironmentFile=)
//   the unit file and /etc/systemd/system/netdata.service.d/*.conf (`Environment=` lines, `EnvironmentFile=` files)
//   /proc/<pid>/environ of a running netdata (only the variables that matter to the cloud link, see RELEVANT)
// Secret values (tokens, passwords, proxy credentials) are masked here, before anything can print them.

import {readdirSync, readFileSync, readlinkSync} from 'node:fs'
import {join} from 'node:path'

import type {Install} from './install.js'
import {mask, redactUrl} from '../base/secrets.js'

export interface ServiceEnvVar {
  name: string
  /** the value; masked (`****abcd`) when the name says it is a secret, proxy passwords replaced by `****` */
  value: string
  /** `/etc/systemd/system/netdata.service.d/override.conf:3`, `/etc/default/netdata:2`, `/proc/1234/environ` */
  source: string
}

export interface ServiceEnvOptions {
  /** root of the file system to read (tests): default `/` */
  root?: string
  /** where /proc is (tests): default `/proc` */
  proc?: string
  /** return real values (for code that must use a proxy URL with its password); never print these */
  reveal?: boolean
}

const UNIT_DIRS = ['etc/systemd/system', 'run/systemd/system', 'usr/lib/systemd/system', 'lib/systemd/system']
const SECRET_NAME = /token|password|passwd|secret|(^|_)key($|_)/i
/** what the cloud link cares about from a running process's full environment */
const RELEVANT = /^(NETDATA_|DO_NOT_TRACK$|DISABLE_TELEMETRY$|SSL_CERT_(FILE|DIR)$|CURL_CA_BUNDLE$)|proxy$/i

export function maskValue(name: string, value: string): string {
  if (SECRET_NAME.test(name)) return mask(value)
  return redactUrl(value) // proxy URLs: keep scheme, user and host, hide the password
}

/** A /proc (or other small) file's text, or null when it cannot be read. */
export function read(path: string): null | string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

function unquote(v: string): string {
  const t = v.trim()
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1)
  return t
}

/** Shell-style `KEY=VALUE` / `export KEY=VALUE` lines (/etc/default, EnvironmentFile=). */
export function parseEnvFile(text: string, source: string): ServiceEnvVar[] {
  const out: ServiceEnvVar[] = []
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const m = /^\s*(?:export\s+)?([A-Za-z_]\w*)=(.*)$/.exec(raw)
    if (m && !raw.trim().startsWith('#')) out.push({name: m[1], source: `${source}:${i + 1}`, value: unquote(m[2])})
  }

  return out
}

/** Split systemd's `Environment=` value into assignments: space separated, each may be quoted. */
export function splitSystemdEnvironment(value: string): string[] {
  const words: string[] = []
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g
  let m: null | RegExpExecArray
  while ((m = re.exec(value))) words.push(m[1] === undefined ? (m[2] ?? m[3]) : m[1].replace(/\\(.)/g, '$1'))
  return words
}

/** `Environment=` and `EnvironmentFile=` of a unit file or drop-in (only in its [Service] section). */
function parseUnit(text: string, source: string, root: string): ServiceEnvVar[] {
  const out: ServiceEnvVar[] = []
  let section = ''
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim()
    if (line.startsWith('[')) section = line
    if (section !== '[Service]') continue
    let m = /^Environment\s*=\s*(.*)$/.exec(line)
    if (m) {
      if (m[1].trim() === '') continue
      for (const word of splitSystemdEnvironment(m[1])) {
        const eq = word.indexOf('=')
        if (eq > 0) out.push({name: word.slice(0, eq), source: `${source}:${i + 1}`, value: word.slice(eq + 1)})
      }

      continue
    }

    m = /^EnvironmentFile\s*=\s*-?(.*)$/.exec(line)
    if (m) {
      const file = m[1].trim()
      const text2 = read(join(root, file))
      if (text2 !== null) out.push(...parseEnvFile(text2, file))
    }
  }

  return out
}

function listConf(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter(n => n.endsWith('.conf'))
      .sort()
  } catch {
    return []
  }
}

/**
 * Not an agent: `netdata -W buildinfo`, `-v`, `-V`, `-h` (a query that prints and exits: netdata-cloud and others run
 * them), an agent's `--special-spawn-server` fork, or a zombie (no command line): none holds a pipe or an environment
 * worth reading.
 */
function isOneShot(cmdline: null | string): boolean {
  if (!cmdline) return true
  const args = cmdline.split('\0').slice(1)
  return args.some(a => a === '-W' || a === '-v' || a === '-V' || a === '-h' || a === '--special-spawn-server')
}

/** The binary a process runs (its /proc exe link, without the ` (deleted)` of a replaced file), or null. */
export function processExe(pid: number, proc = '/proc'): null | string {
  try {
    return readlinkSync(join(proc, String(pid), 'exe')).replace(/ \(deleted\)$/, '')
  } catch {
    return null
  }
}

/** The pids of running netdata daemons (comm `netdata`; the agent's exe when we know it). */
export function netdataPids(install: Pick<Install, 'netdata'> | null, proc = '/proc'): number[] {
  let entries: string[]
  try {
    entries = readdirSync(proc).filter(n => /^\d+$/.test(n))
  } catch {
    return []
  }

  const pids: number[] = []
  for (const e of entries) {
    if (read(join(proc, e, 'comm'))?.trim() !== 'netdata') continue
    const exe = processExe(Number(e), proc) ?? ''

    if (install?.netdata && exe && exe !== install.netdata) continue
    if (isOneShot(read(join(proc, e, 'cmdline')))) continue
    pids.push(Number(e))
  }

  return pids
}

/**
 * Every variable the agent's service is configured with, plus the cloud-related ones a running agent has.
 * Later entries override earlier ones with the same name when the service starts; all are listed with their source.
 */
export function readServiceEnvironment(
  install: Pick<Install, 'netdata'> | null,
  options: ServiceEnvOptions = {},
): ServiceEnvVar[] {
  const root = options.root ?? '/'
  const proc = options.proc ?? '/proc'
  const out: ServiceEnvVar[] = []
  for (const f of ['etc/default/netdata', 'etc/sysconfig/netdata']) {
    const text = read(join(root, f))
    if (text !== null) out.push(...parseEnvFile(text, '/' + f))
  }

  // the unit itself: the first directory that has it wins (systemd's search order)
  for (const d of UNIT_DIRS) {
    const text = read(join(root, d, 'netdata.service'))
    if (text === null) continue
    out.push(...parseUnit(text, `/${d}/netdata.service`, root))
    break
  }

  // drop-ins: same-named files in earlier directories hide later ones; all are applied in name order
  const dropins = new Map<string, string>()
  for (const d of [...UNIT_DIRS].reverse()) {
    for (const n of listConf(join(root, d, 'netdata.service.d'))) dropins.set(n, `/${d}/netdata.service.d/${n}`)
  }

  for (const n of [...dropins.keys()].sort()) {
    const path = dropins.get(n)!
    const text = read(join(root, path))
    if (text !== null) out.push(...parseUnit(text, path, root))
  }

  for (const pid of netdataPids(install, proc)) {
    const text = read(join(proc, String(pid), 'environ'))
    if (text === null) continue
    for (const entry of text.split('\0')) {
      const eq = entry.indexOf('=')
      if (eq > 0 && RELEVANT.test(entry.slice(0, eq))) {
        out.push({name: entry.slice(0, eq), source: `/proc/${pid}/environ`, value: entry.slice(eq + 1)})
      }
    }
  }

  return options.reveal ? out : out.map(v => ({...v, value: maskValue(v.name, v.value)}))
}

/**
 * Where a service variable comes from, and how to remove it there: a unit or drop-in `Environment=` line, an
 * environment file line (/etc/default/netdata, EnvironmentFile=), or only the running process (whoever started it).
 */
export function whereSet(vars: ServiceEnvVar[]): {where: string; fix: string} {
  const files = vars.filter(v => !v.source.startsWith('/proc/'))
  const procs = vars.filter(v => v.source.startsWith('/proc/'))
  const name = vars[0]?.name ?? 'the variable'
  if (files.length === 0) {
    const where = procs.map(v => v.source).join(', ') || "the agent's environment"
    return {
      fix: `it is in no unit, drop-in or /etc/default file: it came from whoever started the agent (a shell, a container's -e, a supervisor); start the agent without ${name} (check: systemctl cat netdata; ps -o pid,args -C netdata)`,
      where: `only the running agent's environment (${where})`,
    }
  }

  const steps = files.map(v => {
    const m = /^(.*):(\d+)$/.exec(v.source)
    const file = m?.[1] ?? v.source
    const line = m?.[2]
    return /\.service$|\.service\.d\//.test(file)
      ? `delete ${name}=… from the Environment= line ${line ?? ''} of ${file}`.replace('  ', ' ')
      : `delete line ${line ?? '?'} (${name}=…) of ${file}`
  })
  const systemd = files.some(v => /\.service(\.d\/[^:]*)?:\d+$/.test(v.source))
  return {
    fix: `${steps.join('; ')}; then ${systemd ? 'systemctl daemon-reload && ' : ''}systemctl restart netdata (or: service netdata restart)`,
    where: files.map(v => v.source).join(', '),
  }
}
