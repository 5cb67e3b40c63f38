// What the claim result says about each file it wrote.

import {lstatSync} from 'node:fs'

import {groupName, userName} from '../../agent/accounts.js'
import type {FileChange} from '../../base/result.js'

export function statOrNull(path: string) {
  try {
    return lstatSync(path)
  } catch {
    return null
  }
}

export function change(path: string, dryRun: boolean | undefined, created: boolean): FileChange {
  if (dryRun) return {action: created ? 'would-create' : 'would-update', path}
  return {action: created ? 'created' : 'updated', path}
}

export function describeFile(path: string): {mode?: string; owner?: string} {
  const st = statOrNull(path)
  if (!st) return {}
  return {mode: '0' + (st.mode & 0o777).toString(8), owner: `${userName(st.uid)}:${groupName(st.gid)}`}
}
