// The lock that keeps two netdata-cloud runs from interleaving their edits of one directory's files.
//
// Node has no flock(), so this is a lock file, `<dir>/.netdata-cloud.lock`, holding "pid starttime", created
// complete (written privately, then link()ed into place) so a reader never sees it empty.
// A lock whose process is gone (or whose pid now belongs to a younger process) is stale and is broken under a
// second, short-lived O_EXCL "break" file, so two runs that find the same stale lock cannot both take it.
// The lock is re-entrant within one process (the claim flow locks cloud.d once and writes several files in it).
// Waiting uses Atomics.wait: callers stay synchronous, and a CLI run has nothing else to do meanwhile.

import {randomBytes} from 'node:crypto'
import {
  closeSync,
  constants,
  fstatSync,
  linkSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import {errnoCode, UserError} from '../base/errors.js'

export const LOCK_NAME = '.netdata-cloud.lock'
const BREAK_SUFFIX = '.break'
const DEFAULT_WAIT_MS = 5000
/** how long a run waits for another one's lock: NETDATA_CLOUD_LOCK_WAIT_MS, default 5 s */
const defaultWait = () => {
  const ms = Number(process.env.NETDATA_CLOUD_LOCK_WAIT_MS)
  return Number.isFinite(ms) && ms >= 0 && process.env.NETDATA_CLOUD_LOCK_WAIT_MS !== '' ? ms : DEFAULT_WAIT_MS
}

export interface Lock {
  path: string
  release: () => void
}

const held = new Map<string, {count: number; ino: number}>()

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * The process start time (clock ticks since boot, /proc/PID/stat field 22), so a reused pid is not taken for the
 * holder.
 */
export function processStartTime(pid: number): null | string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null
  } catch {
    return null
  }
}

function alive(pid: number, start?: string): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if (errnoCode(error) === 'ESRCH') return false
  }

  const now = processStartTime(pid)
  return !(start && now && now !== start)
}

function createExclusive(path: string, content: string): number | undefined {
  let fd: number
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return undefined
    throw lockError(path, error)
  }

  try {
    writeSync(fd, content)
    return fd
  } catch (error) {
    // disk full: leave nothing behind
    closeSync(fd)
    try {
      unlinkSync(path)
    } catch {}

    throw lockError(path, error)
  }
}

function lockError(path: string, error: unknown): UserError {
  const code = errnoCode(error)
  if (code === 'EACCES' || code === 'EPERM') {
    return new UserError('permission', `${path}: permission denied creating the lock file`, {
      cause: error,
      fix: "run as root or as the agent's user",
    })
  }

  if (code === 'EROFS') return new UserError('writeFailed', `${path}: read-only file system`, {cause: error})
  if (code === 'ENOSPC' || code === 'EDQUOT') return new UserError('writeFailed', `${path}: disk full`, {cause: error})
  if (code === 'ENOENT') return new UserError('writeFailed', `${path}: the directory does not exist`, {cause: error})
  return new UserError('writeFailed', `${path}: cannot create the lock file (${code ?? (error as Error).message})`, {
    cause: error,
  })
}

interface Holder {
  ino: number
  /** >0 a run's pid; 0 stale or garbage (to be broken); -1 a lock being created */
  pid: number
  start?: string
  /** the lock path is not a regular file (a directory…): nothing to break, it is in the way */
  other?: string
}

/** Who holds the lock: null when nobody does or the holder is gone. */
function holder(path: string): Holder | null {
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null
    // a symlink or something else planted under our name: not a holder, remove it (unlink never follows)
    if (errnoCode(error) === 'ELOOP') return {ino: lstatSync(path).ino, pid: 0}
    throw lockError(path, error)
  }

  try {
    const st = fstatSync(fd)
    if (!st.isFile()) return {ino: st.ino, other: describeNode(st), pid: 0}
    const [pid, start] = readFileSync(fd, 'utf8').trim().split(/\s+/)
    const n = Number(pid)
    if (!Number.isInteger(n) || n <= 0) {
      // written but not yet filled by its creator, or garbage: stale only when it is old
      return Date.now() - st.mtimeMs > 2000 ? {ino: st.ino, pid: 0} : {ino: st.ino, pid: -1}
    }

    return {ino: st.ino, pid: n, start}
  } finally {
    closeSync(fd)
  }
}

function describeNode(st: {isDirectory(): boolean; isSymbolicLink(): boolean}): string {
  return st.isDirectory() ? 'a directory' : st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'
}

/**
 * Remove a stale lock, but only the very file found stale (not a fresh lock another run took meanwhile).
 * Returns what is in the way when the break file is not ours to take (a planted link or directory), else null.
 */
function breakStale(path: string, ino: number): null | string {
  const breakPath = path + BREAK_SUFFIX
  const fd = createExclusive(breakPath, `${process.pid}`)
  if (fd === undefined) {
    // another run is breaking it, or one that was killed while doing so left its break file behind
    let bst
    try {
      bst = lstatSync(breakPath)
    } catch {
      return null // gone meanwhile
    }

    if (bst.isSymbolicLink()) {
      // planted: unlink never follows; a link is never another run's break file
      try {
        unlinkSync(breakPath)
      } catch {}

      return null
    }

    if (!bst.isFile()) return `${breakPath} is ${describeNode(bst)}, not a break file (remove it)`
    try {
      const bfd = openSync(breakPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
      let pid = 0
      try {
        pid = Number(readFileSync(bfd, 'utf8'))
      } finally {
        closeSync(bfd)
      }

      if ((Number.isInteger(pid) && pid > 0 && !alive(pid)) || Date.now() - lstatSync(breakPath).mtimeMs > 5000)
        unlinkSync(breakPath)
    } catch {}

    return null
  }

  try {
    closeSync(fd)
    try {
      if (lstatSync(path).ino === ino) unlinkSync(path)
    } catch {}
  } finally {
    try {
      unlinkSync(breakPath)
    } catch {}
  }

  return null
}

/**
 * Create the lock with its content already in it: write a private file, then link() it to the lock name (EEXIST:
 * held). A run killed at any point leaves either no lock, a complete lock, or a private file removed later.
 */
function createLock(path: string, content: string): number | undefined {
  const mine = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`
  const fd = createExclusive(mine, content)
  if (fd === undefined) return undefined
  try {
    linkSync(mine, path)
    return fstatSync(fd).ino
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return undefined
    throw lockError(path, error)
  } finally {
    closeSync(fd)
    try {
      unlinkSync(mine)
    } catch {}
  }
}

/** Remove the private files (`.netdata-cloud.lock.<pid>.<hex>`) of runs killed before they could. */
function removeDeadPrivates(path: string): void {
  const prefix = basename(path) + '.'
  let names: string[] = []
  try {
    names = readdirSync(dirname(path))
  } catch {}

  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(\d+)\.[\da-f]+$/.exec(name.slice(prefix.length)) : null
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) {
      try {
        unlinkSync(join(dirname(path), name))
      } catch {}
    }
  }
}

/**
 * Take `<dir>/.netdata-cloud.lock`, waiting up to `waitMs` for another run to finish.
 * Throws UserError('locked') naming the holder's pid when it does not.
 */
export function acquireLock(dir: string, options: {waitMs?: number} = {}): Lock {
  const path = join(dir, LOCK_NAME)
  const mine = held.get(path)
  if (mine) {
    mine.count++
    return {path, release: () => release(path)}
  }

  const deadline = Date.now() + (options.waitMs ?? defaultWait())
  const content = `${process.pid} ${processStartTime(process.pid) ?? ''}\n`
  // every pass checks the deadline and sleeps: a lock released or broken meanwhile is retried after 1 ms, never in a
  // busy loop (a planted `.break` symlink or directory made this spin at 100% CPU forever, issue 13)
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    const ino = createLock(path, content)
    if (ino !== undefined) {
      held.set(path, {count: 1, ino})
      removeDeadPrivates(path)
      return {path, release: () => release(path)}
    }

    const h = holder(path)
    let soon = h === null
    let obstacle: null | string = null
    if (h?.other) obstacle = `${path} is ${h.other}, not a lock file (remove it)`
    else if (h && (h.pid === 0 || (h.pid > 0 && !alive(h.pid, h.start)))) {
      obstacle = breakStale(path, h.ino)
      soon = true
      if (obstacle) obstacle = `a stale lock${h.pid > 0 ? ` (pid ${h.pid} is gone)` : ''} cannot be broken: ${obstacle}`
    }

    if (Date.now() >= deadline) {
      const what =
        obstacle ?? `another netdata-cloud run (pid ${h && h.pid > 0 ? h.pid : 'starting'}) is changing files in ${dir}`
      throw new UserError('locked', `${path}: ${what}`, {
        fix: obstacle ? 'check who created it, remove it and run again' : 'wait for it to finish and run again',
        ref: path,
      })
    }

    sleepSync(soon && !obstacle ? 1 : Math.min(delay, Math.max(1, deadline - Date.now())))
  }
}

function release(path: string): void {
  const mine = held.get(path)
  if (!mine) return
  if (--mine.count > 0) return
  held.delete(path)
  try {
    if (lstatSync(path).ino === mine.ino) unlinkSync(path)
  } catch {}
}

/** Run `fn` holding the lock on `dir`. */
export function withLock<T>(dir: string, fn: () => T, options: {waitMs?: number} = {}): T {
  const lock = acquireLock(dir, options)
  try {
    return fn()
  } finally {
    lock.release()
  }
}

/** The async flavour, for flows that talk to the network while holding the lock (claim). */
export async function withLockAsync<T>(dir: string, fn: () => Promise<T>, options: {waitMs?: number} = {}): Promise<T> {
  const lock = acquireLock(dir, options)
  try {
    return await fn()
  } finally {
    lock.release()
  }
}
