// `logs`: the ACLK and claim lines of the agent's own log, found where this install logs (netdata.conf [logs]:
// v1 `error` / `error log` → error.log; v1.44+ and v2 `daemon` → daemon.log, or `journal` → the systemd journal via
// journalctl), filtered, folded (count, first and last time) and explained from the table of causes (cloud/causes.ts).
// Reading is line by line and linear; a line longer than 64 KiB is cut there.

import {spawn} from 'node:child_process'
import {createReadStream, existsSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {createInterface} from 'node:readline'
import type {Readable} from 'node:stream'

import {agentFileOwners} from '../agent/accounts.js'
import {type Install, requireInstall} from '../agent/install.js'
import {runBinary} from '../agent/run-binary.js'
import {UserError} from '../base/errors.js'
import {causeById} from '../cloud/causes.js'
import {readTextTail} from '../config/read.js'
import {redactSecrets} from '../base/secrets.js'
import {type ExplainedCause, explainCauses} from './explain.js'

export interface LogSource {
  kind: 'file' | 'journal' | 'stdin'
  /** the file, or the journalctl command line */
  path: string
  /** how it was found: `netdata.conf:31 [logs] daemon`, `default for v2`, `--file` */
  why: string
}

export interface LogGroup {
  /** the message as the agent wrote it (without time, level, thread) */
  message: string
  level: null | string
  count: number
  /** ISO times of the first and last occurrence (null when the line has no time) */
  first: null | string
  last: null | string
  causes: ExplainedCause[]
}

export interface LogsReport {
  source: LogSource
  /** lines read, lines kept (ACLK/claim related, not debug unless asked) */
  read: number
  matched: number
  since: null | string
  groups: LogGroup[]
  /** groups with a cause that is not `ok` */
  problems: number
}

export interface LogsOptions {
  file?: string
  /** ISO time, or a duration back from now: 30s, 10m, 2h, 7d */
  since?: string
  /** keep debug-level lines too */
  debug?: boolean
  now?: Date
}

const MAX_LINE = 64 * 1024
/** how the agent's journal is read (its messages under the netdata tag, one line each with an ISO time) */
const JOURNAL_ARGS = ['-t', 'netdata', '-o', 'short-iso', '--no-pager']
const JOURNAL_COMMAND = `journalctl ${JOURNAL_ARGS.join(' ')}`
/** the words that make a line ACLK/claim related, as the agent writes them (plus every line the table explains) */
const MARKERS = ['ACLK', 'CLAIM', 'Cloud', 'cloud', 'claim', 'MQTT', 'SSL: certificate', 'Cert Chain verify']

export interface ParsedLine {
  time: null | string
  level: null | string
  message: string
}

/** logfmt `key=value key="quoted \" value"`: the value of `key`, or undefined (a linear scan) */
function logfmtValue(line: string, key: string): string | undefined {
  let from = 0
  for (;;) {
    const at = line.indexOf(`${key}=`, from)
    if (at === -1) return undefined
    if (at > 0 && line[at - 1] !== ' ') {
      from = at + key.length
      continue
    }

    let i = at + key.length + 1
    if (line[i] !== '"') {
      const end = line.indexOf(' ', i)
      return line.slice(i, end === -1 ? line.length : end)
    }

    i++
    let out = ''
    while (i < line.length && line[i] !== '"') {
      if (line[i] === '\\' && i + 1 < line.length) {
        const n = line[i + 1]
        out += n === 'n' ? '\n' : n
        i += 2
      } else out += line[i++]
    }

    return out
  }
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9'

/** `2026-11-24 05:04:31: netdata ERROR : MAIN : msg` (v1 error.log) */
function v1Line(line: string): ParsedLine | undefined {
  if (!(isDigit(line[0]) && line[4] === '-' && line[10] === ' ' && line[13] === ':' && line[19] === ':'))
    return undefined
  const rest = line.slice(21)
  const first = rest.indexOf(' : ')
  const second = first === -1 ? -1 : rest.indexOf(' : ', first + 3)
  const head = first < 0 ? '' : rest.slice(0, first)
  return {
    level: head.split(' ').find(w => w !== '' && w !== 'netdata') ?? null,
    message: second < 0 ? rest : rest.slice(second + 3),
    time: `${line.slice(0, 10)}T${line.slice(11, 19)}`,
  }
}

/** `2026-12-01T20:56:01+0000 host netdata[123]: msg` (journalctl -o short-iso) */
function journalLine(line: string): ParsedLine | undefined {
  if (!(isDigit(line[0]) && line[4] === '-' && line[10] === 'T')) return undefined
  const sp = line.indexOf(' ')
  const colon = line.indexOf(']: ')
  if (sp === -1 || colon === -1) return undefined
  return {level: null, message: line.slice(colon + 3), time: line.slice(0, sp)}
}

export function parseLogLine(raw: string): ParsedLine {
  const line = raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw
  if (line.startsWith('time=') || line.includes(' msg=')) {
    const message = logfmtValue(line, 'msg')
    if (message !== undefined)
      return {level: logfmtValue(line, 'level') ?? null, message, time: logfmtValue(line, 'time') ?? null}
  }

  return v1Line(line) ?? journalLine(line) ?? {level: null, message: line, time: null}
}

export function isCloudLine(p: ParsedLine, debug = false): boolean {
  if (!debug && p.level === 'debug') return false
  return MARKERS.some(m => p.message.includes(m)) || explainCauses(p.message).length > 0
}

/** `--since`: an ISO time, or 30s / 10m / 2h / 7d back from now. */
export function parseSince(text: string, now = new Date()): Date {
  const unit = text.at(-1)
  const n = text.slice(0, -1)
  const scale = {d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000}[unit ?? '']
  if (scale && n !== '' && [...n].every(c => isDigit(c))) return new Date(now.getTime() - Number(n) * scale)
  const t = new Date(text)
  if (Number.isNaN(t.getTime()))
    throw new UserError('badInput', `--since ${JSON.stringify(text)}: not a time`, {
      fix: 'an ISO time (2026-12-01T20:00:00Z) or a duration back from now: 30s, 10m, 2h, 7d',
    })
  return t
}

function timeOf(p: ParsedLine): number | undefined {
  if (!p.time) return undefined
  // journal short-iso has +0000 (no colon): Date takes it; v1 error.log has local time without a zone
  const t = new Date(p.time).getTime()
  return Number.isNaN(t) ? undefined : t
}

/** Where this install's agent logs its daemon/error messages. */
export function findLogSource(install: Install): LogSource {
  const conf = install.netdataConf
  const logDir = conf?.get('directories', 'log')?.value || join(install.root, 'var/log/netdata')
  for (const key of ['daemon', 'error', 'error log']) {
    const s = conf?.get('logs', key)
    if (!s) continue
    const value = s.value.trim()
    const why = `netdata.conf:${s.line} [logs] ${key}`
    if (value === 'journal' || value === 'system') return {kind: 'journal', path: JOURNAL_COMMAND, why}
    if (value === 'none' || value === 'off' || value === 'syslog' || value === 'stderr' || value === 'stdout')
      throw new UserError('badInput', `${why} = ${value}: the agent writes no log file netdata-cloud can read`, {
        fix:
          value === 'syslog'
            ? 'read it from syslog: grep -E "ACLK|CLAIM" /var/log/syslog | netdata-cloud logs --file -'
            : `set [logs] ${key} to a file, or pass --file`,
      })
    return {kind: 'file', path: value.startsWith('/') ? value : join(logDir, value), why}
  }

  const daemon = join(logDir, 'daemon.log')
  const error = join(logDir, 'error.log')
  if (existsSync(daemon)) return {kind: 'file', path: daemon, why: `default: ${daemon} exists`}
  if (existsSync(error)) return {kind: 'file', path: error, why: `default: ${error} exists`}
  if (existsSync('/usr/bin/journalctl') || existsSync('/bin/journalctl'))
    return {
      kind: 'journal',
      path: JOURNAL_COMMAND,
      why: `neither ${daemon} nor ${error} exists: reading the journal (where v2 logs under systemd)`,
    }
  throw new UserError('badInput', `no agent log found: neither ${daemon} nor ${error} exists, and no journalctl`, {
    fix: 'pass --file PATH (netdata.conf [logs] names it), or --file - for stdin',
  })
}

function openSource(source: LogSource, options: LogsOptions, follow: boolean): {stream: Readable; stop: () => void} {
  if (source.kind === 'stdin') return {stop() {}, stream: process.stdin}
  if (source.kind === 'journal') {
    const args = [...JOURNAL_ARGS]
    if (options.since)
      args.push('--since', parseSince(options.since, options.now).toISOString().replace('T', ' ').slice(0, 19))
    if (follow) args.push('-f')
    const child = spawn('journalctl', args, {stdio: ['ignore', 'pipe', 'ignore']})
    child.on('error', () => {})
    return {stop: () => child.kill('SIGTERM'), stream: child.stdout}
  }

  if (!existsSync(source.path)) throw new UserError('badInput', `${source.path} (${source.why}): no such file`)
  if (!statSync(source.path).isFile()) throw new UserError('badInput', `${source.path}: not a regular file`)
  const stream = createReadStream(source.path)
  return {stop: () => stream.destroy(), stream}
}

export function sourceFor(install: Install | null, options: LogsOptions): LogSource {
  if (options.file === '-') return {kind: 'stdin', path: '-', why: '--file -'}
  if (options.file) return {kind: 'file', path: options.file, why: '--file'}
  requireInstall(install!)
  return findLogSource(install!)
}

/** Read, filter, fold and explain. */
export async function readAgentLogs(source: LogSource, options: LogsOptions = {}): Promise<LogsReport> {
  const since = options.since ? parseSince(options.since, options.now) : null
  const {stream} = openSource(source, options, false)
  const groups = new Map<string, LogGroup>()
  let read = 0
  let matched = 0
  const lines = createInterface({crlfDelay: Infinity, input: stream})
  for await (const raw of lines) {
    read++
    const p = parseLogLine(raw)
    if (!isCloudLine(p, options.debug)) continue
    const t = timeOf(p)
    if (since && (t === undefined || t < since.getTime())) continue
    matched++
    const message = redactSecrets(p.message)
    const g = groups.get(message)
    if (g) {
      g.count++
      if (p.time) g.last = p.time
    } else
      groups.set(message, {
        causes: explainCauses(message),
        count: 1,
        first: p.time,
        last: p.time,
        level: p.level,
        message,
      })
  }

  const list = [...groups.values()]
  return {
    groups: list,
    matched,
    problems: list.filter(g => g.causes.some(c => c.code !== 'ok')).length,
    read,
    since: since?.toISOString() ?? null,
    source,
  }
}

export interface FollowedLine extends ParsedLine {
  causes: ExplainedCause[]
}

/**
 * --follow: every new ACLK/claim line as it is written (a file is polled from its current end, like tail -f;
 * journalctl -f for the journal), until `signal` aborts.
 */
export async function followAgentLogs(
  source: LogSource,
  options: LogsOptions,
  onLine: (line: FollowedLine) => void,
  signal: AbortSignal,
): Promise<void> {
  const take = (raw: string) => {
    const p = parseLogLine(raw)
    if (!isCloudLine(p, options.debug)) return
    const message = redactSecrets(p.message)
    onLine({...p, causes: explainCauses(message), message})
  }

  if (source.kind !== 'file') {
    const {stop, stream} = openSource(source, options, true)
    signal.addEventListener('abort', stop, {once: true})
    for await (const raw of createInterface({crlfDelay: Infinity, input: stream})) take(raw)
    return
  }

  if (!existsSync(source.path)) throw new UserError('badInput', `${source.path} (${source.why}): no such file`)
  const {open} = await import('node:fs/promises')
  let offset = statSync(source.path).size
  let rest = ''
  while (!signal.aborted) {
    const {size} = statSync(source.path)
    if (size < offset) offset = 0 // rotated or truncated: start again from the top
    if (size > offset) {
      const fh = await open(source.path, 'r')
      try {
        const buf = Buffer.alloc(Math.min(size - offset, 4 * 1024 * 1024))
        const {bytesRead} = await fh.read(buf, 0, buf.length, offset)
        offset += bytesRead
        const text = rest + buf.subarray(0, bytesRead).toString('utf8')
        const parts = text.split('\n')
        rest = (parts.pop() ?? '').slice(0, MAX_LINE)
        for (const raw of parts) take(raw)
      } finally {
        await fh.close()
      }
    }

    await new Promise<void>(resolve => {
      const wake = () => {
        clearTimeout(t)
        resolve()
      }

      const t = setTimeout(() => {
        signal.removeEventListener('abort', wake)
        resolve()
      }, 250)
      signal.addEventListener('abort', wake, {once: true})
    })
  }
}

/** The agent's latest word on its cloud link: a line the table of causes explains, not followed by one that says ok. */
export interface LogProblem {
  source: LogSource
  /** the message, secrets masked */
  line: string
  time: null | string
  /** how often it was said since `since` (the agent retries) */
  count: number
  cause: ExplainedCause
}

/** how much of the log's end is read for status (the agent logs a retry every few seconds) */
export const LOG_TAIL_BYTES = 512 * 1024

/**
 * For status: the last problem the agent logged about its cloud link since `since` (its start), from the end of its
 * log (LOG_TAIL_BYTES of a file, the last 2000 journal entries). Null when there is no readable log, or the last
 * explained line says the link works. The log is the agent's user's file: the checked read (no link, no stranger's).
 */
export async function latestCloudProblem(
  install: Install,
  options: {since?: Date; timeoutMs: number},
): Promise<LogProblem | null> {
  let source: LogSource
  try {
    source = findLogSource(install)
  } catch {
    return null
  }

  let text: null | string = null
  if (source.kind === 'journal') {
    const r = await runBinary('journalctl', [...JOURNAL_ARGS, '-n', '2000'], {
      timeoutMs: options.timeoutMs,
    })
    text = r.exitCode === 0 ? r.stdout : null
  } else {
    try {
      text =
        readTextTail(source.path, 'agent log', LOG_TAIL_BYTES, {owners: agentFileOwners(install.runAsUser)})?.text ??
        null
    } catch {
      return null
    }
  }

  if (!text) return null
  // since the last line that says the link works: the latest line with a cause of its own, else the latest summary
  // ("ACLK: connection failed" follows the line that says why)
  let last: LogProblem | null = null
  let specific: LogProblem | null = null
  const since = options.since?.getTime()
  const note = (held: LogProblem | null, cause: ExplainedCause, message: string, time: null | string) => {
    if (held?.line !== message) return {cause, count: 1, line: message, source, time}
    held.count++
    held.time = time
    return held
  }

  for (const raw of text.split('\n')) {
    const p = parseLogLine(raw)
    if (!isCloudLine(p)) continue
    const t = timeOf(p)
    if (since !== undefined && (t === undefined || t < since)) continue
    const message = redactSecrets(p.message)
    const cause = explainCauses(message)[0]
    if (!cause) continue
    if (cause.code === 'ok') {
      last = null
      specific = null
      continue
    }

    last = note(last, cause, message, p.time)
    if (!causeById(cause.id).summary) specific = note(specific, cause, message, p.time)
  }

  return specific ?? last
}
