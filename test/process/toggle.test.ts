// enable / disable / implementation through the built CLI, on temp config and lib dirs with real owners,
// against the real Debian build (no ACLK) and saved buildinfo of other eras (test/fixtures/buildinfo).
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {lookupUser} from '../../src/agent/accounts.js'
import {readServiceEnvironment} from '../../src/agent/service-env.js'
import {ROOT, runCli} from '../helpers/cli.js'

const FIX = join(ROOT, 'test/fixtures/buildinfo')
const V132_BOTH = join(FIX, 'C-v1.32.1-both.txt')
const V132_NG = join(FIX, 'C-v1.32.1-ng-only.txt')
const V142 = join(FIX, 'E-v1.42.0.txt')
const V2 = join(FIX, 'v2-v2.11.0.txt')
const V136 = join(FIX, 'D-v1.36.1-static.txt')

describe('enable / disable / implementation (CLI, temp dirs)', () => {
  let base: string
  let n = 0
  const netdata = lookupUser('netdata')!
  /** a fresh agent layout: etc/netdata.conf (root 0644, run as user = netdata) and lib/ (netdata 0755) */
  const layout = () => {
    const d = join(base, String(n++))
    mkdirSync(join(d, 'etc'), {recursive: true})
    mkdirSync(join(d, 'lib'))
    chownSync(join(d, 'lib'), netdata.uid, netdata.gid)
    writeFileSync(join(d, 'etc/netdata.conf'), '[global]\n\trun as user = netdata\n')
    return {
      conf: join(d, 'etc/netdata.conf'),
      dirs: ['--config-dir', join(d, 'etc'), '--lib-dir', join(d, 'lib')],
      lib: join(d, 'lib'),
      root: d,
    }
  }

  const snap = (p: string) => {
    try {
      const st = statSync(p)
      return {
        ino: st.ino,
        mode: st.mode,
        mtime: st.mtimeMs,
        text: st.isFile() ? readFileSync(p, 'utf8') : null,
        uid: st.uid,
      }
    } catch {
      return null
    }
  }

  before(() => {
    assert.ok(netdata, 'user netdata exists (apt-get install netdata)')
    base = mkdtempSync('/tmp/nc-toggle.')
    chmodSync(base, 0o755)
  })

  after(() => rmSync(base, {force: true, recursive: true}))

  test('enable on the real Debian build (no ACLK): exit noAclk (11), nothing written; --force writes', () => {
    const l = layout()
    const r = runCli(['enable', '--json', ...l.dirs])
    assert.equal(r.code, 11, r.stdout + r.stderr)
    assert.equal(r.json.error.code, 'noAclk')
    assert.match(r.json.error.message, /no ACLK/)
    assert.equal(snap(join(l.lib, 'cloud.d')), null, 'cloud.d not even created')
    const f = runCli(['enable', '--force', '--json', ...l.dirs])
    assert.equal(f.code, 0, f.stdout + f.stderr)
    assert.equal(f.json.result.changed, true)
    assert.match(f.json.warnings.map((w: any) => w.message).join('\n'), /no ACLK/)
    assert.equal(readFileSync(join(l.lib, 'cloud.d/cloud.conf'), 'utf8'), '[global]\n\tenabled = yes\n')
  })

  test('disable on the real Debian build proceeds (harmless), creates cloud.d 0770 and cloud.conf 0770 netdata:netdata', () => {
    const l = layout()
    const r = runCli(['disable', '--json', ...l.dirs])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.deepEqual(
      [r.json.result.changed, r.json.result.created, r.json.result.before, r.json.result.after, r.json.result.era],
      [true, true, null, 'no', 'v1.33–v1.40'],
    )
    assert.ok(['needed', 'not-needed'].includes(r.json.result.restart))
    const f = statSync(join(l.lib, 'cloud.d/cloud.conf'))
    const d = statSync(join(l.lib, 'cloud.d'))
    assert.deepEqual(
      [f.uid, f.gid, f.mode & 0o7777, d.uid, d.gid, d.mode & 0o7777],
      [netdata.uid, netdata.gid, 0o770, netdata.uid, netdata.gid, 0o770],
    )
  })

  test('idempotent: the second run reports changed: false and leaves inode and mtime alone', () => {
    const l = layout()
    mkdirSync(join(l.lib, 'cloud.d'))
    const p = join(l.lib, 'cloud.d/cloud.conf')
    writeFileSync(p, '# mine\r\n[global]\r\n    enabled = no\r\n    cloud base url = https://app.netdata.cloud\r\n')
    const one = runCli(['enable', '--json', '--buildinfo-file', V132_BOTH, ...l.dirs])
    assert.equal(one.json.result.changed, true, one.stdout + one.stderr)
    assert.equal(
      readFileSync(p, 'utf8'),
      '# mine\r\n[global]\r\n    enabled = yes\r\n    cloud base url = https://app.netdata.cloud\r\n',
      'one line changed, CRLF kept',
    )
    const s1 = snap(p)
    const two = runCli(['enable', '--json', '--buildinfo-file', V132_BOTH, ...l.dirs])
    assert.deepEqual([two.code, two.json.result.changed, two.json.result.restart], [0, false, 'not-needed'])
    assert.deepEqual(snap(p), s1)
    // `true` already means on for v1.22–v1.40: enable leaves it alone
    writeFileSync(p, '[global]\n\tenabled = true\n')
    const s2 = snap(p)
    assert.equal(runCli(['enable', '--json', '--buildinfo-file', V132_BOTH, ...l.dirs]).json.result.changed, false)
    assert.deepEqual(snap(p), s2)
    // `1` means off for netdata: disable leaves it alone, enable replaces it
    writeFileSync(p, '[global]\n\tenabled = 1\n')
    assert.equal(runCli(['disable', '--json', '--buildinfo-file', V132_BOTH, ...l.dirs]).json.result.changed, false)
    assert.equal(runCli(['enable', '--json', '--buildinfo-file', V132_BOTH, ...l.dirs]).json.result.changed, true)
  })

  test('--dry-run prints the unified diff and writes nothing', () => {
    const l = layout()
    mkdirSync(join(l.lib, 'cloud.d'))
    const p = join(l.lib, 'cloud.d/cloud.conf')
    writeFileSync(p, '[global]\n\tenabled = yes\n')
    const s = snap(p)
    const r = runCli(['disable', '--dry-run', ...l.dirs])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^-\tenabled = yes$/m)
    assert.match(r.stdout, /^\+\tenabled = no$/m)
    assert.match(r.stdout, /Dry run: nothing was written/)
    assert.deepEqual(snap(p), s)
    const j = runCli(['disable', '--dry-run', '--json', ...l.dirs])
    assert.equal(j.json.result.dryRun, true)
    assert.match(j.json.result.diff, /\+\tenabled = no/)
    assert.deepEqual(snap(p), s)
  })

  test('era rules: v2 refuses (unsupported, 19) and says what works; --auto only on v1.41–v1.47', () => {
    const l = layout()
    const v2 = runCli(['disable', '--json', '--buildinfo-file', V2, ...l.dirs])
    assert.equal(v2.code, 19)
    assert.match(v2.json.error.message, /does not read cloud\.conf \[global\] enabled/)
    assert.match(v2.json.error.fix, /netdata-cloud unclaim/)
    const auto132 = runCli(['enable', '--auto', '--json', '--buildinfo-file', V132_BOTH, ...l.dirs])
    assert.equal(auto132.code, 19)
    const auto142 = runCli(['enable', '--auto', '--json', '--buildinfo-file', V142, ...l.dirs])
    assert.equal(auto142.code, 0, auto142.stdout + auto142.stderr)
    assert.deepEqual(
      [auto142.json.result.after, auto142.json.result.effectiveAfter, auto142.json.result.era],
      ['auto', 'auto', 'v1.41–v1.47'],
    )
  })

  test('--restart that cannot be done is a failure (exit 33, restart failed), with how to do it by hand', () => {
    const l = layout()
    const r = runCli(['disable', '--restart', '--json', ...l.dirs], {env: {PATH: '/nonexistent'}})
    assert.equal(r.code, 33, r.stdout + r.stderr)
    assert.equal(r.json.result.restart, 'failed')
    assert.match(
      r.json.warnings.map((w: any) => `${w.message} ${w.fix}`).join('\n'),
      /not restarted.*restart this install's agent yourself/s,
    )
  })

  test('implementation: show the configured value, default, build and era rule', () => {
    const l = layout()
    writeFileSync(l.conf, '[global]\n\trun as user = netdata\n[cloud]\n\taclk implementation = legacy\n')
    const r = runCli(['implementation', '--json', '--buildinfo-file', V132_BOTH, ...l.dirs])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.deepEqual(r.json.result.configured, {line: 4, value: 'legacy'})
    assert.deepEqual([r.json.result.default, r.json.result.effective, r.json.result.rule], ['ng', 'legacy', 'honoured'])
    assert.deepEqual(r.json.result.available.sort(), ['legacy', 'ng'])
    const t = runCli(['implementation', ...l.dirs])
    assert.match(t.stdout, /This build has\s+no ACLK/)
    assert.match(t.stdout, /v1\.37 and later do not read the key/)
  })

  test('implementation legacy on v1.32 with both: sets [cloud] in place; a missing netdata.conf is created root 0644', () => {
    const l = layout()
    writeFileSync(
      l.conf,
      '[global]\n\trun as user = netdata\n\n[cloud]\n\t# aclk implementation = ng\n\tproxy = none\n',
    )
    const r = runCli(['implementation', 'legacy', '--json', '--buildinfo-file', V132_BOTH, ...l.dirs])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(
      readFileSync(l.conf, 'utf8'),
      '[global]\n\trun as user = netdata\n\n[cloud]\n\taclk implementation = legacy\n\tproxy = none\n',
    )
    const s = snap(l.conf)
    assert.equal(
      runCli(['implementation', 'LEGACY'.toLowerCase(), '--json', '--buildinfo-file', V132_BOTH, ...l.dirs]).json.result
        .changed,
      false,
    )
    assert.deepEqual(snap(l.conf), s)
    rmSync(l.conf)
    const c = runCli(['implementation', 'ng', '--json', '--buildinfo-file', V132_BOTH, ...l.dirs])
    assert.equal(c.json.result.created, true, c.stdout + c.stderr)
    const st = statSync(l.conf)
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [0, 0, 0o644])
    assert.equal(readFileSync(l.conf, 'utf8'), '[cloud]\n\taclk implementation = ng\n')
  })

  test('implementation refusals: no ACLK (11), era that does not read it (19), build without it (19)', () => {
    const l = layout()
    const s = snap(l.conf)
    const rows: [string[], number, RegExp][] = [
      [['implementation', 'ng'], 11, /no ACLK/],
      [['implementation', 'legacy', '--buildinfo-file', V136], 19, /v1\.33–v1\.36 have only ACLK-NG/],
      [['implementation', 'legacy', '--buildinfo-file', V132_NG], 19, /no ACLK Legacy/],
      [['implementation', 'ng', '--buildinfo-file', V2], 19, /do not read the key/],
    ]
    for (const [args, code, message] of rows) {
      const r = runCli([...args, '--json', ...l.dirs])
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stdout}`)
      assert.match(r.json.error.message, message)
      assert.deepEqual(snap(l.conf), s, `${args.join(' ')}: netdata.conf untouched`)
    }
  })

  test('bad input: each row gives its message and exit code, and the file is untouched', () => {
    const rows: {
      name: string
      setup: (l: ReturnType<typeof layout>) => string
      args: string[]
      code: number
      message: RegExp
      asUser?: boolean
    }[] = [
      {
        args: ['implementation', 'ng', '--buildinfo-file', V132_BOTH],
        code: 16,
        message: /netdata\.conf: is a directory/,
        name: 'directory as netdata.conf',
        setup(l) {
          rmSync(l.conf)
          mkdirSync(l.conf)
          return l.conf
        },
      },
      {
        args: ['disable'],
        code: 16,
        message: /cloud\.conf: not UTF-8/,
        name: 'binary cloud.conf',
        setup(l) {
          mkdirSync(join(l.lib, 'cloud.d'))
          writeFileSync(join(l.lib, 'cloud.d/cloud.conf'), Buffer.from([0x5b, 0xff, 0xfe, 0x00, 0x01]))
          return join(l.lib, 'cloud.d/cloud.conf')
        },
      },
      {
        args: ['disable'],
        code: 16,
        message: /cloud\.conf: too large/,
        name: 'huge cloud.conf',
        setup(l) {
          mkdirSync(join(l.lib, 'cloud.d'))
          writeFileSync(join(l.lib, 'cloud.d/cloud.conf'), '#'.repeat(9 * 1024 * 1024))
          return join(l.lib, 'cloud.d/cloud.conf')
        },
      },
      {
        args: ['disable'],
        code: 16,
        message: /cloud\.conf: is a named pipe/,
        name: 'FIFO as cloud.conf',
        setup(l) {
          mkdirSync(join(l.lib, 'cloud.d'))
          spawnSync('mkfifo', [join(l.lib, 'cloud.d/cloud.conf')])
          return join(l.lib, 'cloud.d/cloud.conf')
        },
      },
      {
        args: ['disable'],
        asUser: true,
        code: 15,
        message: /cloud\.conf: permission denied/,
        name: 'unreadable cloud.conf, as a non-root user',
        setup(l) {
          mkdirSync(join(l.lib, 'cloud.d'))
          chmodSync(join(l.lib, 'cloud.d'), 0o755)
          writeFileSync(join(l.lib, 'cloud.d/cloud.conf'), '[global]\n\tenabled = yes\n', {mode: 0o600})
          return join(l.lib, 'cloud.d/cloud.conf')
        },
      },
    ]
    for (const row of rows) {
      const l = layout()
      const path = row.setup(l)
      const before = snap(path)
      let r: {code: null | number; stdout: string; json?: any}
      if (row.asUser) {
        const s = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), ...row.args, '--json', ...l.dirs], {
          encoding: 'utf8',
          env: {...process.env, NO_COLOR: '1'},
          gid: netdata.gid,
          uid: netdata.uid,
        })
        r = {code: s.status, json: JSON.parse(s.stdout), stdout: s.stdout}
      } else r = runCli([...row.args, '--json', ...l.dirs])
      assert.equal(r.code, row.code, `${row.name}: ${r.stdout}`)
      assert.match(r.json.error.message, row.message, row.name)
      assert.deepEqual(snap(path), before, `${row.name}: untouched`)
    }
  })

  test('bad input on special file systems (unshare -m): read-only → writeFailed, disk full → writeFailed; file untouched', () => {
    const cases = [
      {
        code: 29,
        message: /read-only file system/,
        mount: 'mount -o remount,ro "$M"',
        name: 'read-only',
      },
      {
        code: 29,
        message: /disk full/,
        mount: 'dd if=/dev/zero of="$M/filler" bs=4k count=64 2>/dev/null || true',
        name: 'disk full',
      },
    ]
    for (const c of cases) {
      const mnt = mkdtempSync(join(base, 'mnt.'))
      const script = [
        'set -e',
        `M=${mnt}`,
        'mount -t tmpfs -o size=64k,mode=0755 tmpfs "$M"',
        'mkdir -p "$M/etc" "$M/lib/cloud.d"',
        `chown ${netdata.uid}:${netdata.gid} "$M/lib" "$M/lib/cloud.d"`,
        String.raw`printf "[global]\n\trun as user = netdata\n" > "$M/etc/netdata.conf"`,
        String.raw`printf "[global]\n\tenabled = yes\n" > "$M/lib/cloud.d/cloud.conf"`,
        c.mount,
        `${process.execPath} ${join(ROOT, 'bin/run.js')} disable --json --config-dir "$M/etc" --lib-dir "$M/lib" > "${mnt}.out" || echo $? > "${mnt}.code"`,
        'cat "$M/lib/cloud.d/cloud.conf" > "' + mnt + '.after"',
        'ls -A "$M/lib/cloud.d" > "' + mnt + '.ls"',
      ].join('\n')
      const s = spawnSync('unshare', ['-m', 'sh', '-c', script], {encoding: 'utf8'})
      assert.equal(s.status, 0, `${c.name}: ${s.stderr}`)
      assert.equal(readFileSync(`${mnt}.code`, 'utf8').trim(), String(c.code), c.name)
      assert.match(JSON.parse(readFileSync(`${mnt}.out`, 'utf8')).error.message, c.message)
      assert.equal(readFileSync(`${mnt}.after`, 'utf8'), '[global]\n\tenabled = yes\n', `${c.name}: untouched`)
      assert.equal(readFileSync(`${mnt}.ls`, 'utf8').trim(), 'cloud.conf', `${c.name}: no temp or lock left`)
    }
  })

  test('a held lock: a second run exits `locked` (30)', async () => {
    const l = layout()
    mkdirSync(join(l.lib, 'cloud.d'))
    const {spawn} = await import('node:child_process')
    const holder = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `
      const {acquireLock} = await import(${JSON.stringify(join(ROOT, 'src/config/lock.ts'))})
      acquireLock(${JSON.stringify(join(l.lib, 'cloud.d'))}); console.log('held'); setTimeout(() => {}, 60000)`,
      ],
      {cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit']},
    )
    await new Promise<void>(resolve => holder.stdout!.on('data', b => String(b).includes('held') && resolve()))
    try {
      const r = runCli(['disable', '--json', ...l.dirs], {env: {NETDATA_CLOUD_LOCK_WAIT_MS: '200'}})
      assert.equal(r.code, 30, r.stdout)
      assert.match(r.json.error.message, new RegExp(`pid ${holder.pid}`))
    } finally {
      holder.kill('SIGKILL')
    }
  })
})

describe('readServiceEnvironment', () => {
  test('systemd drop-ins, /etc/default, EnvironmentFile; secrets masked', () => {
    const root = mkdtempSync('/tmp/nc-env.')
    try {
      mkdirSync(join(root, 'etc/systemd/system/netdata.service.d'), {recursive: true})
      mkdirSync(join(root, 'lib/systemd/system'), {recursive: true})
      mkdirSync(join(root, 'etc/default'), {recursive: true})
      writeFileSync(
        join(root, 'lib/systemd/system/netdata.service'),
        '[Unit]\nEnvironment=NOT_SERVICE=1\n[Service]\nEnvironmentFile=-/etc/netdata-env\nExecStart=/usr/sbin/netdata -D\n',
      )
      writeFileSync(join(root, 'etc/netdata-env'), 'NETDATA_CLAIM_TOKEN=abcdefghijklmnop\n')
      writeFileSync(
        join(root, 'etc/systemd/system/netdata.service.d/override.conf'),
        '[Service]\nEnvironment="NETDATA_DISABLE_CLOUD=1" https_proxy=http://u:pw@proxy:3128\n',
      )
      writeFileSync(join(root, 'etc/default/netdata'), '# comment\nexport EXTRA_OPTS="-P /run/netdata.pid"\n')
      const env = readServiceEnvironment(null, {proc: join(root, 'proc'), root})
      assert.deepEqual(env, [
        {name: 'EXTRA_OPTS', source: '/etc/default/netdata:2', value: '-P /run/netdata.pid'},
        {name: 'NETDATA_CLAIM_TOKEN', source: '/etc/netdata-env:1', value: '****mnop'},
        {name: 'NETDATA_DISABLE_CLOUD', source: '/etc/systemd/system/netdata.service.d/override.conf:2', value: '1'},
        {
          name: 'https_proxy',
          source: '/etc/systemd/system/netdata.service.d/override.conf:2',
          value: 'http://u:****@proxy:3128',
        },
      ])
    } finally {
      rmSync(root, {force: true, recursive: true})
    }
  })
})
