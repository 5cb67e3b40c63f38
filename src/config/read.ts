// Careful reading of the files the agent reads: a file that is a directory, too large, not UTF-8, or unreadable gets
// a one-line error naming its path. A missing file is not an error (callers decide what absence means).

import {readFileSync, statSync} from 'node:fs'

import {errnoCode, UserError} from '../base/errors.js'
import {log, logStart, since} from '../base/log.js'
import {ConfigDocument} from './document.js'

/** netdata's config files are small; anything larger is not one of them. */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024

export interface ConfigFile {
  path: string
  text: string
  doc: ConfigDocument
}

/** Read a text file, or return null when it does not exist. */
export function readTextFile(path: string, what = 'file', maxBytes = MAX_CONFIG_BYTES): null | string {
  const started = logStart()
  let st
  try {
    st = statSync(path)
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') {
      log('read', `${path}: not there`, since(started))
      return null
    }

    log('read', `${path}: ${errnoCode(error) ?? (error as Error).message}`, since(started))
    throw fileError(path, what, error)
  }

  if (st.isDirectory()) throw new UserError('invalidConfig', `${path}: is a directory, not a ${what}`)
  if (!st.isFile()) throw new UserError('invalidConfig', `${path}: is not a regular file`)
  if (st.size > maxBytes)
    throw new UserError('invalidConfig', `${path}: too large for a ${what} (${st.size} bytes, limit ${maxBytes})`)
  let buf: Buffer
  try {
    buf = readFileSync(path)
  } catch (error) {
    log('read', `${path}: ${errnoCode(error) ?? (error as Error).message}`, since(started))
    throw fileError(path, what, error)
  }

  log('read', `${path}: ${buf.length} bytes`, since(started))

  if (buf.length > maxBytes)
    throw new UserError('invalidConfig', `${path}: too large for a ${what} (limit ${maxBytes} bytes)`)
  let text: string
  try {
    text = new TextDecoder('utf8', {fatal: true}).decode(buf)
  } catch {
    throw new UserError('invalidConfig', `${path}: not UTF-8 text (a binary file?)`)
  }

  if (text.includes('\0')) throw new UserError('invalidConfig', `${path}: contains NUL bytes (a binary file?)`)
  return text
}

/** Read and parse one of netdata's config files, or return null when it does not exist. */
export function readConfigFile(path: string): ConfigFile | null {
  const text = readTextFile(path, 'config file')
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
