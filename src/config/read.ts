// Careful reading of the files the agent reads: a file that is a directory, too large, not UTF-8, or unreadable gets
// a one-line error naming its path. A missing file is not an error (callers decide what absence means).
//
// The one safe-open-for-read (issue 13): root reads files in directories the agent's user owns (cloud.d, the
// registry), so whatever that user planted there is hostile input. With `owners` given, a read applies the writer's
// rules: the file is opened with O_NOFOLLOW|O_NONBLOCK (a symlink is refused, a FIFO cannot block us), the descriptor
// is fstat'ed (a regular file, one link, owned by one of `owners`, within the size bound) and read from that same
// descriptor; a symlink among the directories is followed only where nobody else could have planted it.
// Config has no notion of the agent: callers pass the allowed owners as uids.

import {closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync, type Stats} from 'node:fs'
import {dirname, join, resolve} from 'node:path'

import {type ErrorCode, errnoCode, UserError} from '../base/errors.js'
import {log, logStart, since} from '../base/log.js'
import {ConfigDocument} from './document.js'

/** netdata's config files are small; anything larger is not one of them. */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024

export interface ConfigFile {
  path: string
  text: string
  doc: ConfigDocument
}

export interface ReadRules {
  /**
   * The file is in a directory another user can write: refuse a symlink, a hard link, and an owner outside these uids
   * (the caller passes e.g. root, itself and the agent's user).
   */
  owners?: readonly number[]
  /** the exit class for content that is not the text expected: too large, not UTF-8, NUL (default invalidConfig) */
  badText?: ErrorCode
}

const euid = () => process.geteuid?.() ?? 0
const egid = () => process.getegid?.() ?? 0

/** A directory only root (or we) can change: a symlink in it, or a file's identity there, can be trusted. */
export function isTrustedDirectory(st: Stats): boolean {
  if (st.uid !== 0 && st.uid !== euid()) return false
  if (st.mode & 0o002) return false
  return !(st.mode & 0o020) || st.gid === 0 || st.gid === egid()
}

function linkTarget(path: string): string {
  try {
    return ` (to ${readlinkSync(path)})`
  } catch {
    return ''
  }
}

function refusal(path: string, what: string, reason: string, fix: string): UserError {
  return new UserError('permission', `${path}: ${reason}; refusing to read it as the ${what}`, {fix, ref: path})
}

/** A symlink among the directories of `path` that sits in a directory another user can write, or null. */
function plantedDirectoryLink(path: string): null | string {
  const parts = dirname(resolve(path)).split('/').filter(Boolean)
  let cur = '/'
  for (const name of parts) {
    const next = join(cur, name)
    let st: Stats
    try {
      st = lstatSync(next)
    } catch {
      return null // missing: the open says so
    }

    if (st.isSymbolicLink()) {
      try {
        if (!isTrustedDirectory(lstatSync(cur))) return next
      } catch {}
    }

    cur = next
  }

  return null
}

/**
 * Open `path` for reading and check the descriptor; null when it does not exist. The caller reads from `fd` and
 * closes it.
 */
export function openForRead(
  path: string,
  what: string,
  maxBytes: number,
  rules: ReadRules = {},
): null | {fd: number; st: Stats} {
  const guarded = rules.owners !== undefined
  if (guarded) {
    const link = plantedDirectoryLink(path)
    if (link)
      throw refusal(
        path,
        what,
        `${link} is a symbolic link${linkTarget(link)} in a directory another user can write`,
        `check who created it; replace the link with the directory itself`,
      )
  }

  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (guarded ? constants.O_NOFOLLOW : 0))
  } catch (error) {
    const code = errnoCode(error)
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    if (code === 'ELOOP' && guarded)
      throw refusal(
        path,
        what,
        `is a symbolic link${linkTarget(path)} in a directory another user can write`,
        `check who created it; remove the link (rm ${path})`,
      )
    throw fileError(path, what, error)
  }

  try {
    const st = fstatSync(fd)
    if (st.isDirectory()) throw new UserError('invalidConfig', `${path}: is a directory, not a ${what}`, {ref: path})
    if (!st.isFile()) throw new UserError('invalidConfig', `${path}: is not a regular file`, {ref: path})
    if (guarded && st.nlink > 1)
      throw refusal(
        path,
        what,
        `has ${st.nlink} hard links (it may be another file linked in)`,
        `check who created it (ls -li ${path}); replace it with a plain copy`,
      )
    if (guarded && !rules.owners!.includes(st.uid))
      throw refusal(
        path,
        what,
        `is owned by uid ${st.uid}, not by root or the agent's user`,
        `check who created it; chown it to the agent's user`,
      )
    if (st.size > maxBytes)
      throw new UserError(
        rules.badText ?? 'invalidConfig',
        `${path}: too large for a ${what} (${st.size} bytes, limit ${maxBytes})`,
        {
          ref: path,
        },
      )
    return {fd, st}
  } catch (error) {
    closeSync(fd)
    throw error
  }
}

/** Read at most `maxBytes` (+1 to notice a file that grew) from the descriptor. */
function readFd(fd: number, path: string, what: string, maxBytes: number, code: ErrorCode = 'invalidConfig'): Buffer {
  const chunks: Buffer[] = []
  let total = 0
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1 - total))
    let n: number
    try {
      n = readSync(fd, buf, 0, buf.length, null)
    } catch (error) {
      throw fileError(path, what, error)
    }

    if (n === 0) break
    chunks.push(buf.subarray(0, n))
    total += n
    if (total > maxBytes)
      throw new UserError(code, `${path}: too large for a ${what} (limit ${maxBytes} bytes)`, {ref: path})
  }

  return Buffer.concat(chunks, total)
}

/** UTF-8 text without NUL bytes, or a one-line error of class `code` naming `source`. */
export function decodeText(buf: Buffer, source: string, code: ErrorCode = 'invalidConfig'): string {
  let text: string
  try {
    text = new TextDecoder('utf8', {fatal: true}).decode(buf)
  } catch {
    throw new UserError(code, `${source}: not UTF-8 text (a binary file?)`)
  }

  if (text.includes('\0')) throw new UserError(code, `${source}: contains NUL bytes (a binary file?)`)
  return text
}

/** Read a text file, or return null when it does not exist. */
export function readTextFile(
  path: string,
  what = 'file',
  maxBytes = MAX_CONFIG_BYTES,
  rules: ReadRules = {},
): null | string {
  const started = logStart()
  let opened
  try {
    opened = openForRead(path, what, maxBytes, rules)
  } catch (error) {
    log('read', `${path}: ${(error as Error).message}`, since(started))
    throw error
  }

  if (opened === null) {
    log('read', `${path}: not there`, since(started))
    return null
  }

  try {
    const buf = readFd(opened.fd, path, what, maxBytes, rules.badText)
    log('read', `${path}: ${buf.length} bytes`, since(started))
    return decodeText(buf, path, rules.badText)
  } finally {
    closeSync(opened.fd)
  }
}

/**
 * The last `tailBytes` of a file that may be large and keeps growing (an agent's log), with the same checked open as
 * readTextFile (no size bound on the file, only on what is read). The first, partial line is dropped; bytes that are
 * not UTF-8 become U+FFFD (a log is not a config file). Null when the file does not exist.
 */
export function readTextTail(
  path: string,
  what: string,
  tailBytes: number,
  rules: ReadRules = {},
): null | {text: string; size: number; cut: boolean} {
  const opened = openForRead(path, what, Number.MAX_SAFE_INTEGER, rules)
  if (opened === null) return null
  try {
    const {size} = opened.st
    const from = Math.max(0, size - tailBytes)
    const buf = Buffer.allocUnsafe(Math.min(size, tailBytes))
    let got = 0
    while (got < buf.length) {
      const n = readSync(opened.fd, buf, got, buf.length - got, from + got)
      if (n === 0) break
      got += n
    }

    let text = buf.subarray(0, got).toString('utf8')
    if (from > 0) text = text.slice(text.indexOf('\n') + 1)
    log('read', `${path}: last ${got} of ${size} bytes`)
    return {cut: from > 0, size, text}
  } catch (error) {
    throw fileError(path, what, error)
  } finally {
    closeSync(opened.fd)
  }
}

/** Read and parse one of netdata's config files, or return null when it does not exist. */
export function readConfigFile(path: string, rules: ReadRules = {}): ConfigFile | null {
  const text = readTextFile(path, 'config file', MAX_CONFIG_BYTES, rules)
  return text === null ? null : {doc: ConfigDocument.parse(text), path, text}
}

function fileError(path: string, what: string, error: unknown): UserError {
  const code = errnoCode(error)
  if (code === 'EACCES' || code === 'EPERM') {
    return new UserError('permission', `${path}: permission denied reading the ${what}`, {
      cause: error,
      fix: "run as root or as the agent's user",
    })
  }

  if (code === 'EISDIR') return new UserError('invalidConfig', `${path}: is a directory, not a ${what}`)
  return new UserError('invalidConfig', `${path}: cannot read the ${what} (${code ?? (error as Error).message})`, {
    cause: error,
  })
}
