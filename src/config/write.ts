// The one writer for every file netdata-cloud changes (design.md §4, issue 4).
//
// write: temp file in the same directory (O_CREAT|O_EXCL|O_NOFOLLOW, random name `.<name>.netdata-cloud-<hex>.tmp`
// that the agent never reads), owner and mode set on the descriptor, fsync, rename over the target, fsync the
// directory. A crash leaves the old file or the new one; a stray temp of ours is removed by the next run.
//
// Safety when root writes into a directory the agent's user owns (cloud.d belongs to `netdata`):
// - every path component is lstat'ed; a symlink is followed only when the directory holding it is writable by
//   root/us alone; the target itself is never a symlink (refused with the path and where it points);
// - the directory is opened once (O_DIRECTORY|O_NOFOLLOW) and every later operation goes through
// /proc/self/fd/<dirfd>/<name>, i.e. openat()-like: swapping the directory for a link after the check changes nothing;
// - owner and mode are set with fchown/fchmod on descriptors, never on a path;
// - a file with several hard links in such a directory is refused (it may be a link to /etc/shadow).
// Concurrent runs serialise on `<dir>/.netdata-cloud.lock` (lock.ts); a run that cannot get it exits `locked`.

import {randomBytes} from 'node:crypto'
import {
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmdirSync,
  type Stats,
  unlinkSync,
  writeSync,
} from 'node:fs'
import {basename, dirname, join, resolve} from 'node:path'

import {errnoCode, UserError} from '../base/errors.js'
import {ConfigDocument} from './document.js'
import {acquireLock} from './lock.js'
import {isTrustedDirectory, MAX_CONFIG_BYTES} from './read.js'

export interface FileOwner {
  uid: number
  gid: number
}

/**
 * Modes netdata-cloud gives files and directories it creates (an existing file always keeps its own):
 * - cloud.conf 0770, owner `run as user`: what the agent's docs (aclk/README.md v1.32–v1.40) tell users to do by hand.
 *   The agent itself creates files 0660 (umask 0007) and cloud.d 0750; 0770 stays readable for the agent either way.
 * - cloud.d 0770, owner `run as user`: what netdata-claim.sh does when it creates the directory.
 * - netdata.conf 0644 root:root: how the Debian package ships it.
 */
export const MODES = {cloudConf: 0o770, cloudDir: 0o770, netdataConf: 0o644} as const

export interface WriteOptions {
  /** mode of a file created now (default 0644); an existing file keeps its mode */
  mode?: number
  /** owner of a file created now (default: the running user); an existing file keeps its owner */
  owner?: FileOwner
  /** create the file's directory (the last path component only) when it is missing */
  createDir?: {mode: number; owner?: FileOwner}
  /** what the file is, for messages (default: its name) */
  what?: string
  /** how long to wait for another run's lock (default 5 s) */
  lockWaitMs?: number
}

export interface WriteResult {
  path: string
  created: boolean
  uid: number
  gid: number
  mode: number
}

export interface FileForEdit {
  path: string
  text: string
  uid: number
  gid: number
  mode: number
  ino: number
  mtimeMs: number
}

export interface UpdateResult {
  path: string
  changed: boolean
  created: boolean
  before: null | string
  after: null | string
}

const TEMP_RE = /^\..+\.netdata-cloud-[\da-f]+\.tmp$/

export {isTrustedDirectory} from './read.js'

/**
 * The directory's lock, for writing `target`: when the lock file itself cannot be created (read-only file system, disk
 * full), the error names the file the user asked to change, not the lock's temp file.
 */
function lockFor(dir: string, target: string, waitMs?: number): ReturnType<typeof acquireLock> {
  try {
    return acquireLock(dir, {waitMs})
  } catch (error) {
    const code = errnoCode((error as Error).cause)
    if (error instanceof UserError && error.code === 'writeFailed' && code)
      throw writeError(target, (error as Error).cause)
    throw error
  }
}

export function writeError(path: string, error: unknown, action = 'write'): UserError {
  if (error instanceof UserError) return error
  const code = errnoCode(error)
  if (code === 'EACCES' || code === 'EPERM') {
    return new UserError('permission', `${path}: permission denied (cannot ${action})`, {
      cause: error,
      fix: 'run as root (sudo), or as the owner of the file',
      ref: path,
    })
  }

  if (code === 'EROFS') {
    return new UserError('writeFailed', `${path}: read-only file system; nothing was changed`, {
      cause: error,
      fix: 'remount it read-write',
      ref: path,
    })
  }

  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new UserError('writeFailed', `${path}: disk full; nothing was changed`, {
      cause: error,
      fix: 'free some space on that file system and run again',
      ref: path,
    })
  }

  if (code === 'ELOOP') return symlinkRefusal(path)
  if (code === 'EISDIR') return new UserError('invalidConfig', `${path}: is a directory, not a file`, {ref: path})
  if (code === 'ENOTDIR')
    return new UserError('invalidConfig', `${path}: a component of the path is not a directory`, {ref: path})
  return new UserError(
    'writeFailed',
    `${path}: cannot ${action} (${code ?? (error as Error).message}); nothing was changed`,
    {cause: error, ref: path},
  )
}

function symlinkRefusal(path: string, dirNote = ''): UserError {
  let to = ''
  try {
    to = ` (to ${readlinkSync(path)})`
  } catch {}

  return new UserError(
    'permission',
    `${path}: is a symbolic link${to}${dirNote}; refusing to follow it: a link planted there could make root overwrite another file`,
    {
      fix: `check who created it; remove the link (rm ${path}) or edit the file it points to by hand`,
      ref: path,
    },
  )
}

interface SafeDir {
  /** the directory without symlinks */
  real: string
  /** the last component is missing */
  missing: boolean
}

/** Walk the directory's components; follow a symlink only where nobody else can plant one. */
function resolveDirectory(dir: string): SafeDir {
  const parts = resolve(dir).split('/').filter(Boolean)
  let cur = '/'
  for (const [i, name] of parts.entries()) {
    const next = join(cur, name)
    let st: Stats
    try {
      st = lstatSync(next)
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' && i === parts.length - 1) return {missing: true, real: next}
      if (errnoCode(error) === 'ENOENT') {
        const missing = join('/', ...parts.slice(0, i + 1))
        throw new UserError(
          'writeFailed',
          `${missing}: no such directory (is the agent installed there?); nothing was changed`,
          {fix: 'check --config-dir / --lib-dir / --prefix'},
        )
      }

      throw writeError(next, error, 'examine the directory')
    }

    if (st.isSymbolicLink()) {
      if (!isTrustedDirectory(lstatSync(cur)))
        throw symlinkRefusal(next, ` in ${cur}, a directory another user can write`)
      cur = realpathSync(next)
      if (!lstatSync(cur).isDirectory())
        throw new UserError('invalidConfig', `${next}: is not a directory`, {ref: next})
      continue
    }

    if (!st.isDirectory()) throw new UserError('invalidConfig', `${next}: is not a directory`, {ref: next})
    cur = next
  }

  return {missing: false, real: cur}
}

function openDirectory(path: string): number {
  try {
    return openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW)
  } catch (error) {
    throw writeError(path, error, 'open the directory')
  }
}

/** A path inside the open directory that the kernel resolves through the descriptor (openat semantics). */
function at(dirFd: number, dirPath: string, name: string): string {
  return existsSync(`/proc/self/fd/${dirFd}`) ? `/proc/self/fd/${dirFd}/${name}` : join(dirPath, name)
}

const TEMP_DIR_RE = /^\..+\.netdata-cloud-[\da-f]+\.tmpdir$/

/**
 * Create a directory the way files are created (issue 13): a temp name in the parent, owner and mode set on its
 * descriptor, then rename() to the real name. A kill at any point leaves no directory or a complete one, never
 * `root:root 0700` (a kill between mkdir and fchown used to, and nothing repaired it). rename() replaces only an empty
 * directory, so losing a race to another run replaces its still empty directory by an identical one, or fails.
 */
function createDirectory(path: string, spec: {mode: number; owner?: FileOwner}): void {
  const parentPath = dirname(path)
  removeStaleTempDirs(parentPath)
  const temp = join(parentPath, `.${basename(path)}.netdata-cloud-${randomBytes(6).toString('hex')}.tmpdir`)
  try {
    mkdirSync(temp, {mode: 0o700})
  } catch (error) {
    throw writeError(path, error, 'create the directory')
  }

  try {
    const fd = openDirectory(temp) // O_NOFOLLOW: a link raced in place of the new directory is refused
    try {
      if (spec.owner) chownFd(fd, path, spec.owner)
      fchmodSync(fd, spec.mode)
      fsyncSync(fd)
    } catch (error) {
      throw writeError(path, error, 'set the owner and mode of the directory')
    } finally {
      closeSync(fd)
    }

    try {
      renameSync(temp, path)
    } catch (error) {
      const code = errnoCode(error)
      // another run created it meanwhile (and already put something in it)
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw writeError(path, error, 'create the directory')
    }
  } finally {
    try {
      rmdirSync(temp)
    } catch {}
  }

  const parent = openDirectory(parentPath)
  try {
    fsyncSync(parent)
  } finally {
    closeSync(parent)
  }
}

/** Temp directories of runs killed before their rename (empty: rmdir removes nothing else). */
function removeStaleTempDirs(parent: string): void {
  let names: string[] = []
  try {
    names = readdirSync(parent)
  } catch {}

  for (const name of names) {
    if (!TEMP_DIR_RE.test(name)) continue
    try {
      const st = lstatSync(join(parent, name))
      if (st.isDirectory() && Date.now() - st.mtimeMs > 60_000) rmdirSync(join(parent, name))
    } catch {}
  }
}

/**
 * A directory left `0700` by our own mkdir (a run of an older version killed before its chown/chmod): give it the
 * owner and mode it should have got. A directory an administrator set up differently is left alone.
 */
function repairDirectory(path: string, spec: {mode: number; owner?: FileOwner}): void {
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW)
  } catch {
    return
  }

  try {
    const st = fstatSync(fd)
    const mine = st.uid === (process.geteuid?.() ?? 0) && (st.mode & 0o7777) === 0o700
    const wrong = (st.mode & 0o7777) !== spec.mode || (spec.owner && st.uid !== spec.owner.uid)
    if (!mine || !wrong) return
    if (spec.owner) chownFd(fd, path, spec.owner)
    fchmodSync(fd, spec.mode)
  } catch (error) {
    throw writeError(path, error, 'repair the owner and mode of the directory')
  } finally {
    closeSync(fd)
  }
}

function chownFd(fd: number, path: string, owner: FileOwner): void {
  const st = fstatSync(fd)
  if (st.uid === owner.uid && st.gid === owner.gid) return
  try {
    fchownSync(fd, owner.uid, owner.gid)
  } catch (error) {
    if (errnoCode(error) === 'EPERM') {
      throw new UserError(
        'permission',
        `${path}: cannot give the file to uid ${owner.uid} gid ${owner.gid} (only root can); nothing was changed`,
        {cause: error, fix: 'run as root (sudo)', ref: path},
      )
    }

    throw error
  }
}

/** Remove temp files a killed run of ours left behind (we hold the lock, so none of them is in use). */
function removeStaleTemps(dirFd: number, dirPath: string): void {
  let names: string[]
  try {
    names = readdirSync(at(dirFd, dirPath, '.'))
  } catch {
    return
  }

  for (const name of names) {
    if (!TEMP_RE.test(name)) continue
    try {
      unlinkSync(at(dirFd, dirPath, name))
    } catch {}
  }
}

function describe(st: Stats): string {
  if (st.isDirectory()) return 'is a directory, not a file'
  if (st.isFIFO()) return 'is a named pipe, not a regular file'
  if (st.isSocket()) return 'is a socket, not a regular file'
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device, not a regular file'
  return 'is not a regular file'
}

/** lstat the target inside the open directory: null when missing; refuses links, non-files and hard-linked files. */
function examineTarget(dirFd: number, dir: SafeDir, name: string, shown: string): null | Stats {
  let st: Stats
  try {
    st = lstatSync(at(dirFd, dir.real, name))
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null
    throw writeError(shown, error, 'examine the file')
  }

  if (st.isSymbolicLink()) throw symlinkRefusal(join(dir.real, name))
  if (!st.isFile()) throw new UserError('invalidConfig', `${shown}: ${describe(st)}; nothing was changed`, {ref: shown})
  if (st.nlink > 1 && !isTrustedDirectory(fstatSync(dirFd))) {
    throw new UserError(
      'permission',
      `${shown}: has ${st.nlink} hard links in a directory another user can write; refusing to touch it`,
      {
        fix: `check who created it (ls -li ${shown}); replace it with a plain copy`,
        ref: shown,
      },
    )
  }

  return st
}

/**
 * Read a file that is about to be edited, without following a link. Null when it does not exist.
 * Errors: symlink → permission; directory / not a regular file / too large / not UTF-8 → invalidConfig; EACCES →
 * permission.
 */
export function readFileForEdit(path: string, options: {what?: string; maxBytes?: number} = {}): FileForEdit | null {
  // another run may rename its new version over the file between our lstat and our open (1 in 300 concurrent runs
  // failed with "changed while being read", issue 13): that is a finished write, so read again
  for (let attempt = 1; ; attempt++) {
    try {
      return readFileOnce(path, options)
    } catch (error) {
      if (!(error instanceof ChangedWhileReading)) throw error
      if (attempt >= 50)
        throw new UserError('writeFailed', `${path}: changed while being read ${attempt} times; run again`)
    }
  }
}

class ChangedWhileReading extends Error {}

function readFileOnce(path: string, options: {what?: string; maxBytes?: number}): FileForEdit | null {
  const what = options.what ?? basename(path)
  const maxBytes = options.maxBytes ?? MAX_CONFIG_BYTES
  const dir = resolveDirectory(dirname(path))
  if (dir.missing) return null
  const dirFd = openDirectory(dir.real)
  try {
    const name = basename(path)
    const st = examineTarget(dirFd, dir, name, path)
    if (st === null) return null
    let fd: number
    try {
      fd = openSync(at(dirFd, dir.real, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') throw new ChangedWhileReading(path) // removed since the lstat: look again
      if (errnoCode(error) === 'EACCES' || errnoCode(error) === 'EPERM') {
        throw new UserError('permission', `${path}: permission denied reading the ${what}`, {
          cause: error,
          fix: "run as root or as the agent's user",
          ref: path,
        })
      }

      throw writeError(path, error, 'read')
    }

    try {
      const fst = fstatSync(fd)
      if (fst.ino !== st.ino) throw new ChangedWhileReading(path)
      if (fst.size > maxBytes)
        throw new UserError(
          'invalidConfig',
          `${path}: too large for a ${what} (${fst.size} bytes, limit ${maxBytes}); nothing was changed`,
          {ref: path},
        )
      const buf = readFileSync(fd)
      if (buf.length > maxBytes)
        throw new UserError(
          'invalidConfig',
          `${path}: too large for a ${what} (limit ${maxBytes} bytes); nothing was changed`,
          {ref: path},
        )
      let text: string
      try {
        text = new TextDecoder('utf8', {fatal: true}).decode(buf)
      } catch {
        throw new UserError('invalidConfig', `${path}: not UTF-8 text (a binary file?); nothing was changed`, {
          ref: path,
        })
      }

      if (text.includes('\0'))
        throw new UserError('invalidConfig', `${path}: contains NUL bytes (a binary file?); nothing was changed`, {
          ref: path,
        })
      return {
        gid: fst.gid,
        ino: fst.ino,
        mode: fst.mode & 0o7777,
        mtimeMs: fst.mtimeMs,
        path,
        text,
        uid: fst.uid,
      }
    } catch (error) {
      if (error instanceof ChangedWhileReading) throw error
      throw writeError(path, error, 'read')
    } finally {
      closeSync(fd)
    }
  } finally {
    closeSync(dirFd)
  }
}

/**
 * Replace `path` with `content` atomically (see the file comment). An existing file keeps its owner and mode;
 * a new one gets `options.owner` / `options.mode`. Takes the directory's lock (re-entrant) for the duration.
 */
export function writeFileAtomically(path: string, content: Buffer | string, options: WriteOptions = {}): WriteResult {
  const target = resolve(path)
  let dir = resolveDirectory(dirname(target))
  if (dir.missing) {
    if (!options.createDir)
      throw new UserError('writeFailed', `${dirname(target)}: no such directory; nothing was changed`, {
        ref: dirname(target),
      })
    createDirectory(dir.real, options.createDir)
    dir = resolveDirectory(dirname(target))
  } else if (options.createDir) repairDirectory(dir.real, options.createDir)

  const lock = lockFor(dir.real, target, options.lockWaitMs)
  try {
    return writeInDirectory(dir, basename(target), target, content, options)
  } finally {
    lock.release()
  }
}

function writeInDirectory(
  dir: SafeDir,
  name: string,
  shown: string,
  content: Buffer | string,
  options: WriteOptions,
): WriteResult {
  const dirFd = openDirectory(dir.real)
  let tempPath: string | undefined
  try {
    removeStaleTemps(dirFd, dir.real)
    const existing = examineTarget(dirFd, dir, name, shown)
    const owner = existing ? {gid: existing.gid, uid: existing.uid} : options.owner
    const mode = existing ? existing.mode & 0o7777 : (options.mode ?? 0o644)
    const tempName = `.${name}.netdata-cloud-${randomBytes(6).toString('hex')}.tmp`
    tempPath = at(dirFd, dir.real, tempName)
    let fd: number
    try {
      fd = openSync(tempPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
    } catch (error) {
      tempPath = undefined
      throw writeError(shown, error, 'create a file in its directory')
    }

    try {
      const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content
      for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off)
      if (owner) chownFd(fd, shown, owner)
      fchmodSync(fd, mode)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }

    renameSync(tempPath, at(dirFd, dir.real, name))
    tempPath = undefined
    fsyncSync(dirFd)
    const st = lstatSync(at(dirFd, dir.real, name))
    return {
      created: existing === null,
      gid: st.gid,
      mode: st.mode & 0o7777,
      path: shown,
      uid: st.uid,
    }
  } catch (error) {
    throw writeError(shown, error)
  } finally {
    if (tempPath) {
      try {
        unlinkSync(tempPath)
      } catch {}
    }

    closeSync(dirFd)
  }
}

/**
 * Make sure `path` could be written now, changing nothing (claim checks every file it will write before its request,
 * issue 13): the directory resolves safely (or, with `createDir`, its parent takes a new entry), the target is no link,
 * hard link or special file, and a temp file of `bytes` can be created, written, synced and removed next to it.
 * Read-only or full → writeFailed, EACCES → permission, like the write itself.
 */
export function checkWritable(
  path: string,
  options: {createDir?: WriteOptions['createDir']; bytes?: number} = {},
): void {
  const target = resolve(path)
  const dir = resolveDirectory(dirname(target))
  if (dir.missing && !options.createDir)
    throw new UserError('writeFailed', `${dirname(target)}: no such directory; nothing was changed`, {
      ref: dirname(target),
    })
  const probeDir = dir.missing ? dirname(dir.real) : dir.real
  const dirFd = openDirectory(probeDir)
  let temp: string | undefined
  try {
    if (!dir.missing) examineTarget(dirFd, dir, basename(target), target)
    temp = at(dirFd, probeDir, `.${basename(target)}.netdata-cloud-${randomBytes(6).toString('hex')}.tmp`)
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
    try {
      const buf = Buffer.alloc(options.bytes ?? 4096)
      for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch (error) {
    throw writeError(target, error)
  } finally {
    if (temp) {
      try {
        unlinkSync(temp)
      } catch {}
    }

    closeSync(dirFd)
  }
}

/**
 * Read → edit → write under the directory's lock: the idempotent building block of every mutating command.
 * `edit` gets the current text (null when the file is missing) and returns the new text; when it returns the same
 * text (or null) nothing is written and the file keeps its inode and mtime. `dryRun` computes without writing.
 */
export function updateFileAtomically(
  path: string,
  edit: (before: null | string) => null | string,
  options: WriteOptions & {dryRun?: boolean} = {},
): UpdateResult {
  const target = resolve(path)
  const dir = resolveDirectory(dirname(target))
  const run = (): UpdateResult => {
    const before = readFileForEdit(target, {what: options.what})?.text ?? null
    const after = edit(before)
    if (after === null || after === before)
      return {
        after: before,
        before,
        changed: false,
        created: false,
        path: target,
      }
    if (options.dryRun)
      return {
        after,
        before,
        changed: true,
        created: before === null,
        path: target,
      }
    const r = writeFileAtomically(target, after, options)
    return {
      after,
      before,
      changed: true,
      created: r.created,
      path: target,
    }
  }

  if (dir.missing || options.dryRun) return run()
  // read once before locking, so an unreadable or invalid file is reported as itself, not as a lock problem
  readFileForEdit(target, {what: options.what})
  const lock = lockFor(dir.real, target, options.lockWaitMs)
  try {
    if (options.createDir) repairDirectory(dir.real, options.createDir) // even when the file stays as it is
    return run()
  } finally {
    lock.release()
  }
}

/** Parse-edit-render helper: apply `change` to the document of `text` (empty when null) and render it. */
export function editConfigText(text: null | string, change: (doc: ConfigDocument) => boolean): string | null {
  const doc = text === null ? ConfigDocument.empty() : ConfigDocument.parse(text)
  return change(doc) ? doc.render() : text
}
