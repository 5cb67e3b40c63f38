// Fixture passwd and group files for the in-process unit tier (src/agent/accounts.ts reads the files that
// NETDATA_CLOUD_PASSWD / NETDATA_CLOUD_GROUP name): the agent's user `netdata` is the user running the tests, so a
// temp tree that user makes is "owned by netdata" without root, without chown and without a netdata account.
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export const ME = {gid: process.getegid?.() ?? 0, uid: process.geteuid?.() ?? 0}

/** name → [uid, gid]; the first line with a uid names it (userName), as in /etc/passwd */
export type Users = Record<string, [number, number]>

/** netdata is the running user (listed first, so the running user's files are netdata's even as root) */
export const NETDATA_IS_ME: Users = {netdata: [ME.uid, ME.gid], root: [0, 0], nobody: [65_534, 65_534]}
/** the running user is `root` and netdata someone else: a tree the tests make belongs to root, not to the agent */
export const NETDATA_IS_OTHER: Users = {root: [ME.uid, ME.gid], netdata: [4242, 4242], nobody: [65_534, 65_534]}

/** Writes passwd and group for `users` into a new temp dir; returns their paths and the environment that names them. */
export function writeAccounts(users: Users): {env: Record<string, string>; group: string; passwd: string} {
  const dir = mkdtempSync(join(tmpdir(), 'nc-accounts.'))
  const passwd = join(dir, 'passwd')
  const group = join(dir, 'group')
  const entries = Object.entries(users)
  writeFileSync(
    passwd,
    '# fixture (test/helpers/accounts.ts)\n' +
      entries
        .map(([name, [uid, gid]]) => `${name}:x:${uid}:${gid}:${name}:/var/lib/${name}:/usr/sbin/nologin\n`)
        .join(''),
  )
  writeFileSync(group, entries.map(([name, [, gid]]) => `${name}:x:${gid}:\n`).join(''))
  return {env: {NETDATA_CLOUD_GROUP: group, NETDATA_CLOUD_PASSWD: passwd}, group, passwd}
}

/** writeAccounts, and this process reads them from now on */
export function useAccounts(users: Users): {group: string; passwd: string} {
  const fixture = writeAccounts(users)
  Object.assign(process.env, fixture.env)
  return fixture
}
