// Local users and groups, read from /etc/passwd and /etc/group (no getent child process needed).

import {readFileSync} from 'node:fs'

import type {FileOwner} from '../config/write.js'

export interface Account {
  name: string
  uid: number
  gid: number
  home: string
}

function rows(path: string): string[][] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter(l => l && !l.startsWith('#'))
      .map(l => l.split(':'))
  } catch {
    return []
  }
}

export function lookupUser(name: string, passwd = '/etc/passwd'): Account | null {
  const row = rows(passwd).find(r => r[0] === name)
  return row
    ? {
        gid: Number(row[3]),
        home: row[5] ?? '',
        name: row[0],
        uid: Number(row[2]),
      }
    : null
}

export function userName(uid: number, passwd = '/etc/passwd'): string {
  return rows(passwd).find(r => Number(r[2]) === uid)?.[0] ?? String(uid)
}

export function lookupGroup(name: string, group = '/etc/group'): null | {gid: number; name: string} {
  const row = rows(group).find(r => r[0] === name)
  return row ? {gid: Number(row[2]), name: row[0]} : null
}

export function groupName(gid: number, group = '/etc/group'): string {
  return rows(group).find(r => Number(r[2]) === gid)?.[0] ?? String(gid)
}

/** The uid/gid of a local user (its primary group), or null when the user does not exist. */
export function accountOwner(name: string, passwd = '/etc/passwd'): FileOwner | null {
  const u = lookupUser(name, passwd)
  return u ? {gid: u.gid, uid: u.uid} : null
}

/**
 * Who may own a file in the agent's directories that root reads (issue 13): root, the running user, and the agent's
 * user. A file owned by anybody else was not put there by the agent or by an administrator.
 */
export function agentFileOwners(runAsUser: string, passwd = '/etc/passwd'): number[] {
  const owners = new Set([0, process.geteuid?.() ?? 0])
  const u = lookupUser(runAsUser, passwd)
  if (u && Number.isInteger(u.uid)) owners.add(u.uid)
  return [...owners]
}
