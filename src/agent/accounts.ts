// Local users and groups, read from /etc/passwd and /etc/group (no getent child process needed).
//
// Tests name other files with NETDATA_CLOUD_PASSWD and NETDATA_CLOUD_GROUP (test/helpers/accounts.ts): a fixture where
// the agent's user `netdata` is the user running the tests, so services and parsers run on temp trees without root
// and without a netdata account. An environment variable rather than a field of Install: the names are looked up
// where no Install is at hand (agent/identity.ts names the owner of a stat()ed file), it reaches the CLI in a child
// process too, and no service's signature changes. It only changes which file is read: nothing it names is run.

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

const passwdFile = (): string => process.env.NETDATA_CLOUD_PASSWD || '/etc/passwd'
const groupFile = (): string => process.env.NETDATA_CLOUD_GROUP || '/etc/group'

export function lookupUser(name: string, passwd = passwdFile()): Account | null {
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

export function userName(uid: number, passwd = passwdFile()): string {
  return rows(passwd).find(r => Number(r[2]) === uid)?.[0] ?? String(uid)
}

export function lookupGroup(name: string, group = groupFile()): null | {gid: number; name: string} {
  const row = rows(group).find(r => r[0] === name)
  return row ? {gid: Number(row[2]), name: row[0]} : null
}

export function groupName(gid: number, group = groupFile()): string {
  return rows(group).find(r => Number(r[2]) === gid)?.[0] ?? String(gid)
}

/** The uid/gid of a local user (its primary group), or null when the user does not exist. */
export function accountOwner(name: string, passwd = passwdFile()): FileOwner | null {
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
