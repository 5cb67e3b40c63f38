// The one writer on real files with real owners: modes, owners, symlink and hard-link attacks, the lock.
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {
  chmodSync,
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {lookupUser} from '../../src/agent/accounts.js'
import {UserError} from '../../src/base/errors.js'
import {unifiedDiff} from '../../src/config/diff.js'
import {acquireLock, LOCK_NAME} from '../../src/config/lock.js'
import {
  type FileOwner,
  MODES,
  readFileForEdit,
  updateFileAtomically,
  writeFileAtomically,
} from '../../src/config/write.js'
import {ROOT} from '../helpers/cli.js'

const isRoot = process.geteuid?.() === 0

/** The agent's user: the real `netdata` (after apt), else one created for the test. */
function agentUser(): FileOwner {
  let u = lookupUser('netdata')
  if (!u && isRoot) {
    spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'netdata'])
    u = lookupUser('netdata')
  }

  assert.ok(u, 'a netdata user exists (or can be created as root)')
  return {gid: u.gid, uid: u.uid}
}

function expectUserError(fn: () => unknown, code: string, pattern: RegExp): UserError {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof UserError, `a UserError, got ${String(error)}`)
    assert.equal(error.code, code, error.message)
    assert.match(error.message, pattern)
    return error
  }

  assert.fail('expected an error')
}

describe('writeFileAtomically', () => {
  let dir: string
  let netdata: FileOwner

  before(() => {
    netdata = agentUser()
    dir = mkdtempSync('/tmp/nc-write.')
    chmodSync(dir, 0o755)
  })

  after(() => rmSync(dir, {force: true, recursive: true}))

  test("a new cloud.conf gets the agent's owner and 0770; cloud.d is created 0770 for the agent", () => {
    const lib = join(dir, 'new-lib')
    mkdirSync(lib)
    const r = writeFileAtomically(join(lib, 'cloud.d/cloud.conf'), '[global]\n\tenabled = yes\n', {
      createDir: {mode: MODES.cloudDir, owner: netdata},
      mode: MODES.cloudConf,
      owner: netdata,
    })
    assert.equal(r.created, true)
    const f = statSync(join(lib, 'cloud.d/cloud.conf'))
    const d = statSync(join(lib, 'cloud.d'))
    assert.deepEqual([f.uid, f.gid, f.mode & 0o7777], [netdata.uid, netdata.gid, 0o770])
    assert.deepEqual([d.uid, d.gid, d.mode & 0o7777], [netdata.uid, netdata.gid, 0o770])
    assert.deepEqual(readdirSync(join(lib, 'cloud.d')), ['cloud.conf'], 'no temp or lock file is left behind')
  })

  test('an existing file keeps its owner and mode (root writes a netdata 0640 file)', () => {
    const p = join(dir, 'keep.conf')
    writeFileSync(p, 'old\n', {mode: 0o640})
    chmodSync(p, 0o640)
    chownSync(p, netdata.uid, netdata.gid)
    const r = writeFileAtomically(p, 'new\n', {mode: 0o777, owner: {gid: 0, uid: 0}})
    assert.equal(r.created, false)
    const st = statSync(p)
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [netdata.uid, netdata.gid, 0o640])
    assert.equal(readFileSync(p, 'utf8'), 'new\n')
  })

  test('symlink attack: cloud.d/cloud.conf → a root-owned file outside is refused and untouched', () => {
    const cloudDir = join(dir, 'attack/cloud.d')
    mkdirSync(cloudDir, {recursive: true})
    chownSync(cloudDir, netdata.uid, netdata.gid)
    const victim = join(dir, 'shadow')
    writeFileSync(victim, 'root:secret-hash:19000::::::\n', {mode: 0o600})
    const before = statSync(victim)
    symlinkSync(victim, join(cloudDir, 'cloud.conf'))
    expectUserError(
      () => writeFileAtomically(join(cloudDir, 'cloud.conf'), '[global]\n\tenabled = no\n', {owner: netdata}),
      'permission',
      /cloud\.d\/cloud\.conf: is a symbolic link \(to .*shadow\).*refusing/,
    )
    expectUserError(() => readFileForEdit(join(cloudDir, 'cloud.conf')), 'permission', /symbolic link/)
    expectUserError(() => updateFileAtomically(join(cloudDir, 'cloud.conf'), () => 'x'), 'permission', /symbolic link/)
    const now = statSync(victim)
    assert.equal(readFileSync(victim, 'utf8'), 'root:secret-hash:19000::::::\n')
    assert.deepEqual(
      [now.uid, now.gid, now.mode, now.mtimeMs, now.ino],
      [before.uid, before.gid, before.mode, before.mtimeMs, before.ino],
    )
    assert.ok(
      lstatSync(join(cloudDir, 'cloud.conf')).isSymbolicLink(),
      'the link itself is left for the admin to inspect',
    )
    assert.deepEqual(readdirSync(cloudDir), ['cloud.conf'])
  })

  test('a symlinked directory in a directory the agent user can write is refused (cloud.d → /etc-like dir)', () => {
    const lib = join(dir, 'lib-owned-by-netdata')
    mkdirSync(lib)
    chownSync(lib, netdata.uid, netdata.gid)
    const etc = join(dir, 'etc-like')
    mkdirSync(etc)
    symlinkSync(etc, join(lib, 'cloud.d'))
    expectUserError(
      () => writeFileAtomically(join(lib, 'cloud.d/cloud.conf'), 'x'),
      'permission',
      /cloud\.d: is a symbolic link .* a directory another user can write/,
    )
    assert.deepEqual(readdirSync(etc), [])
  })

  test('a symlinked directory in a root-only directory is followed (e.g. /etc/netdata → /opt/…)', () => {
    const real = join(dir, 'real-etc')
    mkdirSync(real)
    symlinkSync(real, join(dir, 'etc-link'))
    writeFileAtomically(join(dir, 'etc-link/netdata.conf'), '[cloud]\n')
    assert.equal(readFileSync(join(real, 'netdata.conf'), 'utf8'), '[cloud]\n')
  })

  test('a hard-linked file in a directory the agent user can write is refused', () => {
    const cloudDir = join(dir, 'hardlink/cloud.d')
    mkdirSync(cloudDir, {recursive: true})
    chownSync(cloudDir, netdata.uid, netdata.gid)
    const victim = join(dir, 'hardlink/victim')
    writeFileSync(victim, 'secret\n')
    linkSync(victim, join(cloudDir, 'cloud.conf'))
    expectUserError(
      () => updateFileAtomically(join(cloudDir, 'cloud.conf'), t => t + 'x'),
      'permission',
      /2 hard links/,
    )
    assert.equal(readFileSync(victim, 'utf8'), 'secret\n')
  })

  test('updateFileAtomically is idempotent: an unchanged result leaves inode and mtime alone; dry run writes nothing', () => {
    const p = join(dir, 'idem.conf')
    writeFileSync(p, '[global]\n\tenabled = yes\n')
    const st = statSync(p)
    const r = updateFileAtomically(p, t => t)
    assert.equal(r.changed, false)
    const st2 = statSync(p)
    assert.deepEqual([st2.ino, st2.mtimeMs], [st.ino, st.mtimeMs])
    const d = updateFileAtomically(p, t => t!.replace('yes', 'no'), {dryRun: true})
    assert.equal(d.changed, true)
    assert.equal(readFileSync(p, 'utf8'), '[global]\n\tenabled = yes\n')
    assert.equal(statSync(p).ino, st.ino)
  })

  test('stale temp files of a killed run are removed by the next write; foreign dot-files are not', () => {
    const p = join(dir, 'temps/cloud.conf')
    mkdirSync(join(dir, 'temps'))
    writeFileSync(join(dir, 'temps/.cloud.conf.netdata-cloud-0123abcd.tmp'), 'half')
    writeFileSync(join(dir, 'temps/.keep-me'), '')
    writeFileAtomically(p, 'x')
    assert.deepEqual(readdirSync(join(dir, 'temps')).sort(), ['.keep-me', 'cloud.conf'])
  })

  test("the lock: a live holder → `locked` with its pid; a dead holder's lock is broken", async () => {
    const d = join(dir, 'locked')
    mkdirSync(d)
    const holder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `
      const {acquireLock} = await import(${JSON.stringify(join(ROOT, 'src/config/lock.ts'))})
      acquireLock(${JSON.stringify(d)}); console.log('held'); setTimeout(() => {}, 60000)`,
      ],
      {cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit']},
    )
    await new Promise<void>(resolve => holder.stdout!.on('data', b => String(b).includes('held') && resolve()))
    const t0 = Date.now()
    const e = expectUserError(
      () => writeFileAtomically(join(d, 'f.conf'), 'x', {lockWaitMs: 300}),
      'locked',
      new RegExp(`pid ${holder.pid}`),
    )
    assert.ok(Date.now() - t0 >= 300, 'it waited for the holder first')
    assert.equal(e.exitCode, 30)
    holder.kill('SIGKILL')
    await new Promise(resolve => holder.once('exit', resolve))
    writeFileAtomically(join(d, 'f.conf'), 'x', {lockWaitMs: 300}) // the dead holder's lock is stale
    assert.deepEqual(readdirSync(d), ['f.conf'])
    // re-entrant within one process
    const outer = acquireLock(d)
    writeFileAtomically(join(d, 'f.conf'), 'y')
    assert.ok(readdirSync(d).includes(LOCK_NAME))
    outer.release()
    assert.deepEqual(readdirSync(d), ['f.conf'])
  })

  test('two concurrent writers serialise: 2 × 40 read-modify-write updates lose none', async () => {
    const p = join(dir, 'counter.conf')
    writeFileSync(p, '0')
    const writer = () =>
      new Promise<number | null>(resolve => {
        const c = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            '-e',
            `
        const {updateFileAtomically} = await import(${JSON.stringify(join(ROOT, 'src/config/write.ts'))})
        for (let i = 0; i < 40; i++) updateFileAtomically(${JSON.stringify(p)}, (t) => String(Number(t) + 1), {lockWaitMs: 20000})`,
          ],
          {cwd: ROOT, stdio: 'inherit'},
        )
        c.once('exit', resolve)
      })
    assert.deepEqual(await Promise.all([writer(), writer()]), [0, 0])
    assert.equal(readFileSync(p, 'utf8'), '80')
  })

  test('unified diff for --dry-run', async () => {
    const diff = await unifiedDiff('/x/cloud.conf', '[global]\n\tenabled = yes\n', '[global]\n\tenabled = no\n')
    assert.match(diff, /^--- \/x\/cloud\.conf/m)
    assert.match(diff, /^-\tenabled = yes$/m)
    assert.match(diff, /^\+\tenabled = no$/m)
    assert.match(await unifiedDiff('/x/new', null, 'a\n'), /^--- \/dev\/null/m)
    assert.equal(await unifiedDiff('/x', 'a', 'a'), '')
  })
})
