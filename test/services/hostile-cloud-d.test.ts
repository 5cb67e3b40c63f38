// Root in a directory the agent user owns (issue 13): the `netdata` user plants (runuser -u netdata --), root plants
// the hard links, and the built CLI runs as root against temp layouts and the Cloud emulator on loopback. Every case
// runs `runs` times; the README table "Root in a hostile cloud.d" lists each case with its runs, failures (0) and the
// bound on its worst time, and the last test keeps that table equal to CASES.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {generateKeyPairSync} from 'node:crypto'
import {chmodSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {lookupUser} from '../../src/agent/accounts.js'
import {EXIT} from '../../src/base/errors.js'
import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {ROOT, runCliAsync, runProcess} from '../helpers/cli.js'

const TOKEN = 'tok-Hostile-0a1b2c3d4e5f'
const ROOM = '3a3b3c3d-1111-4222-8333-944445555666'
const FIX = join(ROOT, 'test/fixtures/buildinfo')
const V1 = join(FIX, 'D-v1.40.0.txt')
const netdata = lookupUser('netdata')!
const SECRET = 'root-only-secret-7f3e9a1c'

/** run a shell command as the agent's user: what a compromised agent could do */
function asNetdata(script: string): void {
  const r = spawnSync('runuser', ['-u', 'netdata', '--', 'sh', '-c', script], {encoding: 'utf8'})
  assert.equal(r.status, 0, `runuser: ${r.stderr}`)
}

interface Layout {
  dir: string
  etc: string
  lib: string
  cloudDir: string
  tokenFile: string
  flags: string[]
}

let base: string
let n = 0
/** etc/ root 0755 with netdata.conf, lib/ and lib/cloud.d netdata-owned (as the package leaves them) */
function layout(options: {cloudDir?: boolean; guid?: boolean} = {}): Layout {
  const dir = join(base, String(n++))
  const etc = join(dir, 'etc')
  const lib = join(dir, 'lib')
  mkdirSync(etc, {recursive: true})
  mkdirSync(join(lib, 'registry'), {recursive: true})
  chmodSync(dir, 0o755)
  writeFileSync(join(etc, 'netdata.conf'), '[global]\n\trun as user = netdata\n\thostname = hostile-node\n')
  writeFileSync(join(dir, 'token'), TOKEN + '\n', {mode: 0o600})
  spawnSync('chown', ['-R', `${netdata.uid}:${netdata.gid}`, lib])
  const l = {
    cloudDir: join(lib, 'cloud.d'),
    dir,
    etc,
    flags: ['--config-dir', etc, '--lib-dir', lib],
    lib,
    tokenFile: join(dir, 'token'),
  }
  if (options.guid !== false)
    asNetdata(`printf c0ffee00-1111-4222-8333-444455556666 > ${lib}/registry/netdata.public.unique.id`)
  if (options.cloudDir !== false) asNetdata(`mkdir -m 0770 ${l.cloudDir}`)
  return l
}

/** a root-only file outside the agent's reach */
function rootFile(l: Layout, name: string, text: string): string {
  const p = join(l.dir, name)
  writeFileSync(p, text, {mode: 0o600})
  return p
}

const rootKey = () =>
  generateKeyPairSync('rsa', {modulusLength: 2048}).privateKey.export({format: 'pem', type: 'pkcs8'}) as string

let emu: Emulator
/** the same CA, serving a leaf that expired 2 days ago */
let expiredEmu: Emulator
const claims = () => emu.records.claims.length
const claim = (l: Layout, extra: string[] = [], env: NodeJS.ProcessEnv = {}) =>
  runCliAsync(
    [
      'claim',
      ...l.flags,
      '--buildinfo-file',
      V1,
      '--token-file',
      l.tokenFile,
      '--ca',
      emu.caPath,
      '--no-reload',
      '--json',
      ...extra,
    ],
    {env},
  )
const withUrl = () => ['--url', emu.url, '--rooms', ROOM]

interface Case {
  name: string
  runs: number
  /** the bound on the worst time of one run, in seconds (the README's "worst time") */
  worst: number
  run: () => Promise<void>
}

const CASES: Case[] = [
  {
    name: '`claimed_id` → a root-only file (symlink)',
    runs: 3,
    worst: 20,
    async run() {
      const l = layout()
      const secret = rootFile(l, 'secret', SECRET)
      asNetdata(`ln -s ${secret} ${l.cloudDir}/claimed_id`)
      const s = await runCliAsync(['status', '--offline', '--json', ...l.flags])
      assert.doesNotMatch(s.stdout + s.stderr, new RegExp(SECRET), 'status does not print the file')
      assert.match(s.stdout, /claimed_id.*symbolic link/)
      const before = claims()
      const c = await claim(l, withUrl())
      assert.equal(c.code, EXIT.permission, c.stdout + c.stderr)
      assert.match(c.json.error.message, /claimed_id: is a symbolic link/)
      assert.equal(claims(), before, 'no claim request was sent: not claimed in Cloud only')
      assert.equal(readFileSync(secret, 'utf8'), SECRET)
    },
  },
  {
    name: '`cloud.conf` → a root file with a URL and a proxy (symlink)',
    runs: 3,
    worst: 20,
    async run() {
      const l = layout()
      const conf = rootFile(
        l,
        'root.conf',
        `[global]\n\tcloud base url = https://evil.invalid\n\tproxy = http://u:${SECRET}@h:1\n`,
      )
      asNetdata(`ln -s ${conf} ${l.cloudDir}/cloud.conf`)
      const s = await runCliAsync(['status', '--offline', '--json', ...l.flags])
      assert.equal(s.code, EXIT.permission, s.stdout)
      assert.match(s.json.error.message, /cloud\.conf: is a symbolic link \(to .*root\.conf\).*refusing to read it/)
      assert.doesNotMatch(s.stdout + s.stderr, /evil\.invalid|root-only/)
      const before = claims()
      const c = await claim(l, ['--rooms', ROOM]) // no --url: it would have come from that file
      assert.equal(c.code, EXIT.permission, c.stdout)
      assert.equal(claims(), before)
    },
  },
  {
    name: '`private.pem` → a root RSA key (symlink)',
    runs: 3,
    worst: 20,
    async run() {
      const l = layout()
      const key = rootFile(l, 'root.key', rootKey())
      asNetdata(`ln -s ${key} ${l.cloudDir}/private.pem`)
      const before = claims()
      const c = await claim(l, withUrl())
      assert.equal(c.code, EXIT.permission, c.stdout)
      assert.match(c.json.error.message, /private\.pem: is a symbolic link/)
      assert.equal(claims(), before, "the root key's public half was not sent")
      const s = await runCliAsync(['status', '--offline', '--json', ...l.flags])
      assert.match(s.stdout, /private\.pem: is a symbolic link/)
    },
  },
  {
    name: '`private.pem` hard-linked to a root RSA key',
    runs: 3,
    worst: 20,
    async run() {
      const l = layout()
      const key = rootFile(l, 'root.key', rootKey())
      linkSync(key, join(l.cloudDir, 'private.pem')) // as root: fs.protected_hardlinks=0 lets the agent user do it
      const before = claims()
      const c = await claim(l, withUrl())
      assert.equal(c.code, EXIT.permission, c.stdout)
      assert.match(c.json.error.message, /private\.pem: has 2 hard links/)
      assert.equal(claims(), before)
      assert.equal(statSync(key).uid, 0, 'the root key was not chowned')
    },
  },
  {
    name: "a hard link to a root file in cloud.d (claim's chown)",
    runs: 3,
    worst: 20,
    async run() {
      const l = layout()
      const victim = rootFile(l, 'victim', SECRET)
      linkSync(victim, join(l.cloudDir, 'notes'))
      const c = await claim(l, withUrl())
      assert.equal(c.code, 0, c.stdout + c.stderr)
      assert.equal(statSync(victim).uid, 0, 'not chowned to netdata')
      assert.ok(c.json.warnings.some((w: any) => /notes: has 2 hard links.*owner was not changed/.test(w.message)))
      assert.equal(statSync(join(l.cloudDir, 'claimed_id')).uid, netdata.uid, 'its own files are chowned')
    },
  },
  {
    name: "files of another user in cloud.d: not read as the node's, not chowned",
    runs: 3,
    worst: 20,
    async run() {
      const l = layout()
      const nobody = lookupUser('nobody')!
      writeFileSync(join(l.cloudDir, 'claimed_id'), '0a0b0c0d-1111-4222-8333-944445555666')
      writeFileSync(join(l.cloudDir, 'notes'), 'x')
      for (const f of ['claimed_id', 'notes']) spawnSync('chown', [`${nobody.uid}:${nobody.gid}`, join(l.cloudDir, f)])
      const s = await runCliAsync(['status', '--offline', '--json', ...l.flags])
      assert.equal(s.json.result.claim.claimId, null, 'its content is not taken as the claim id')
      assert.match(s.stdout, /claimed_id belongs to nobody/)
      const c = await claim(l, withUrl())
      assert.equal(c.code, 0, c.stdout + c.stderr)
      assert.equal(statSync(join(l.cloudDir, 'notes')).uid, nobody.uid, 'not chowned')
      assert.ok(c.json.warnings.some((w: any) => new RegExp(`notes: owned by uid ${nobody.uid}`).test(w.message)))
    },
  },
  {
    name: 'a stale lock plus `.netdata-cloud.lock.break` → a symlink',
    runs: 3,
    worst: 10,
    async run() {
      const l = layout()
      const victim = rootFile(l, 'victim', SECRET)
      asNetdata(
        `printf '999999 1\\n' > ${l.cloudDir}/.netdata-cloud.lock; ln -s ${victim} ${l.cloudDir}/.netdata-cloud.lock.break`,
      )
      const r = await runCliAsync(['disable', '--json', ...l.flags], {env: {NETDATA_CLOUD_LOCK_WAIT_MS: '1000'}})
      assert.equal(r.code, 0, r.stdout) // the link is removed (never followed), the stale lock broken
      assert.equal(readFileSync(victim, 'utf8'), SECRET)
    },
  },
  {
    name: 'a stale lock plus `.netdata-cloud.lock.break` → a directory',
    runs: 3,
    worst: 10,
    async run() {
      const l = layout()
      asNetdata(
        `printf '999999 1\\n' > ${l.cloudDir}/.netdata-cloud.lock; mkdir ${l.cloudDir}/.netdata-cloud.lock.break`,
      )
      const t0 = Date.now()
      const r = await runCliAsync(['disable', '--json', ...l.flags], {env: {NETDATA_CLOUD_LOCK_WAIT_MS: '1000'}})
      assert.equal(r.code, EXIT.locked, r.stdout)
      assert.match(r.json.error.message, /stale lock .*cannot be broken: .*lock\.break is a directory/)
      assert.ok(Date.now() - t0 < 8000, 'ends at its deadline (1 s), not 60 s later')
    },
  },
  {
    name: 'the lock path is a directory',
    runs: 3,
    worst: 10,
    async run() {
      const l = layout()
      asNetdata(`mkdir ${l.cloudDir}/.netdata-cloud.lock`)
      const r = await runCliAsync(['disable', '--json', ...l.flags], {env: {NETDATA_CLOUD_LOCK_WAIT_MS: '500'}})
      assert.equal(r.code, EXIT.locked, r.stdout)
      assert.match(r.json.error.message, /\.netdata-cloud\.lock is a directory, not a lock file/)
    },
  },
  {
    name: 'buildinfo: a line of `x`, 100K spaces, `x`',
    runs: 3,
    worst: 5,
    async run() {
      const f = join(base, `bi-${n++}.txt`)
      writeFileSync(f, readFileSync(join(FIX, 'E-v1.42.0.txt'), 'utf8') + `x${' '.repeat(100_000)}x\n`)
      const r = await runCliAsync(['buildinfo', '--file', f, '--json'])
      assert.equal(r.code, 0, r.stdout)
    },
  },
  {
    name: 'cloud.conf with a 50 KB comment line: `status`, `disable`',
    runs: 3,
    worst: 10,
    async run() {
      const l = layout()
      asNetdata(`printf '[global]\\n# a%*sb\\n\\tenabled = yes\\n' 50000 '' > ${l.cloudDir}/cloud.conf`)
      const s = await runCliAsync(['status', '--offline', '--json', ...l.flags])
      assert.ok(s.json, s.stderr)
      const d = await runCliAsync(['disable', '--json', ...l.flags])
      assert.equal(d.code, 0, d.stdout)
      assert.match(readFileSync(join(l.cloudDir, 'cloud.conf'), 'utf8'), /enabled = no/)
    },
  },
  {
    name: 'buildinfo JSON `features` a number, a string, a boolean',
    runs: 3,
    worst: 20,
    async run() {
      for (const features of ['1', '"yes"', 'true', '[1]']) {
        const f = join(base, `bi-${n++}.json`)
        writeFileSync(f, `{"package": {"version": "v2.0.0"}, "features": ${features}}`)
        const r = await runCliAsync(['buildinfo', '--file', f, '--json'])
        assert.equal(r.code, EXIT.badInput, `${features}: ${r.stdout}`)
        assert.match(r.json.error.message, /"features" is (a number|a string|a boolean|an array), not an object/)
      }
    },
  },
  {
    name: 'buildinfo with a NUL byte, or not UTF-8',
    runs: 3,
    worst: 20,
    async run() {
      for (const bytes of [Buffer.from('    Netdata Cloud: YES\0\n'), Buffer.from([0x56, 0xff, 0xfe, 0x0a])]) {
        const f = join(base, `bi-${n++}.txt`)
        writeFileSync(f, bytes)
        const r = await runCliAsync(['buildinfo', '--file', f, '--json'])
        assert.equal(r.code, EXIT.badInput, r.stdout)
        const stdin = await runCliAsync(['buildinfo', '--file', '-', '--json'], {input: bytes.toString('latin1')})
        assert.equal(stdin.code, EXIT.badInput, stdin.stdout)
      }
    },
  },
  {
    name: 'a proxy password in cloud.conf: `claim --dry-run`, `disable --dry-run` (text and JSON)',
    runs: 3,
    worst: 40,
    async run() {
      const l = layout()
      asNetdata(
        `printf '[global]\\n\\tenabled = yes\\n\\tproxy = http://user:${SECRET}@127.0.0.1:3128\\n\\tx = 1\\n' > ${l.cloudDir}/cloud.conf`,
      )
      for (const args of [
        ['claim', ...l.flags, '--buildinfo-file', V1, '--token-file', l.tokenFile, ...withUrl(), '--dry-run'],
        ['disable', ...l.flags, '--dry-run'],
      ]) {
        for (const json of [[], ['--json']]) {
          const r = await runCliAsync([...args, ...json])
          assert.equal(r.code, 0, r.stdout + r.stderr)
          assert.match(r.stdout, /proxy = http:\/\/user:\*\*\*\*@127\.0\.0\.1:3128/, 'the context line, masked')
          assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET))
        }
      }
    },
  },
  {
    name: '`--proxy http://user:pw@…` on claim and link: a warning; `--proxy-file`, `NETDATA_CLOUD_PROXY` instead',
    runs: 3,
    worst: 40,
    async run() {
      const l = layout()
      const dry = [...withUrl(), '--dry-run']
      const flag = await claim(l, [...dry, '--proxy', `http://user:${SECRET}@127.0.0.1:3128`])
      assert.equal(flag.code, 0, flag.stdout)
      assert.ok(flag.json.warnings.some((w: any) => /--proxy holds a password.*cmdline.*--proxy-file/.test(w.message)))
      assert.doesNotMatch(flag.stdout + flag.stderr, new RegExp(SECRET))
      const file = join(l.dir, 'proxy')
      writeFileSync(file, `http://user:${SECRET}@127.0.0.1:3128\n`, {mode: 0o600})
      const fromFile = await claim(l, [...dry, '--proxy-file', file])
      assert.equal(fromFile.code, 0, fromFile.stdout)
      assert.match(fromFile.json.result.proxy, /127\.0\.0\.1:3128/)
      assert.ok(!fromFile.json.warnings.some((w: any) => /--proxy holds/.test(w.message)))
      assert.doesNotMatch(fromFile.stdout + fromFile.stderr, new RegExp(SECRET))
      const fromEnv = await claim(l, dry, {NETDATA_CLOUD_PROXY: `http://user:${SECRET}@127.0.0.1:3129`})
      assert.equal(fromEnv.code, 0, fromEnv.stdout)
      assert.match(fromEnv.json.result.proxy, /127\.0\.0\.1:3129/)
      assert.doesNotMatch(fromEnv.stdout + fromEnv.stderr, new RegExp(SECRET))
      // link: the same three ways (a dead proxy on port 1: the walk stops there, exit 22)
      const linkFlag = await runCliAsync([
        'link',
        '--emulator',
        '--json',
        '--proxy',
        `http://user:${SECRET}@127.0.0.1:1`,
      ])
      assert.equal(linkFlag.code, EXIT.proxy, linkFlag.stdout)
      assert.ok(linkFlag.json.warnings.some((w: any) => /--proxy holds a password/.test(w.message)))
      const linkFile = await runCliAsync(['link', '--emulator', '--json', '--proxy-file', file])
      assert.equal(
        linkFile.json.result.steps.find((x: any) => x.id === 'proxy').target,
        'http://user:****@127.0.0.1:3128',
      )
      assert.deepEqual(linkFile.json.warnings, [])
      for (const r of [linkFlag, linkFile]) assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET))
    },
  },
  {
    name: 'cloud.d left `root:root 0700` (a kill between mkdir and chown)',
    runs: 3,
    worst: 10,
    async run() {
      const l = layout({cloudDir: false})
      mkdirSync(l.cloudDir, {mode: 0o700}) // what a run killed right after its mkdir left
      const r = await runCliAsync(['disable', '--json', ...l.flags])
      assert.equal(r.code, 0, r.stdout)
      const st = statSync(l.cloudDir)
      assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [netdata.uid, netdata.gid, 0o770], 'repaired')
      const again = await runCliAsync(['disable', '--json', ...l.flags])
      assert.equal(again.code, 0)
      assert.equal(again.json.result.changed, false)
    },
  },
  {
    name: '`claim` with cloud.d read-only, or full',
    runs: 2,
    worst: 20,
    async run() {
      for (const [fill, message] of [
        ['mount -o remount,ro "$M"', /read-only file system/],
        ['dd if=/dev/zero of="$M/filler" bs=4k count=64 2>/dev/null || true', /disk full/],
      ] as const) {
        // only cloud.d is read-only or full: the registry (the machine GUID) is writable, on another file system
        const l = layout({guid: false})
        const mnt = l.cloudDir
        const script = [
          'set -e',
          `M=${mnt}`,
          'mount -t tmpfs -o size=64k,mode=0770 tmpfs "$M"',
          `chown ${netdata.uid}:${netdata.gid} "$M"`,
          fill,
          [
            process.execPath,
            join(ROOT, 'bin/run.js'),
            'claim',
            ...l.flags,
            '--buildinfo-file',
            V1,
            '--token-file',
            l.tokenFile,
            '--ca',
            emu.caPath,
            ...withUrl(),
            '--no-reload',
            '--json',
          ].join(' ') + ` > "${l.dir}/out" || echo $? > "${l.dir}/code"`,
          `ls -A "$M" "${l.lib}/registry" > "${l.dir}/ls"`,
        ].join('\n')
        const before = claims()
        const s = await runProcess('unshare', ['-m', 'sh', '-c', script])
        assert.equal(s.code, 0, s.stderr)
        assert.equal(readFileSync(join(l.dir, 'code'), 'utf8').trim(), String(EXIT.writeFailed))
        assert.match(JSON.parse(readFileSync(join(l.dir, 'out'), 'utf8')).error.message, message)
        assert.equal(claims(), before, 'no request')
        const ls = readFileSync(join(l.dir, 'ls'), 'utf8')
        assert.doesNotMatch(ls, /netdata\.public\.unique\.id|claimed_id|\.pem|netdata-cloud/, `nothing written:\n${ls}`)
      }
    },
  },
  {
    name: '`claim`: an expired certificate with the clocks agreeing → 23; the local clock 40 days ahead → 24',
    runs: 2,
    worst: 30,
    async run() {
      const l = layout()
      const args = (e: Emulator) => [
        join(ROOT, 'bin/run.js'),
        'claim',
        ...l.flags,
        '--buildinfo-file',
        V1,
        '--token-file',
        l.tokenFile,
        '--ca',
        e.caPath,
        '--url',
        e.url,
        '--rooms',
        ROOM,
        '--retries',
        '0',
        '--no-reload',
        '--json',
      ]
      const expired = await runProcess(process.execPath, args(expiredEmu))
      assert.equal(expired.code, EXIT.tls, expired.stdout)
      assert.match(
        expired.json.error.message,
        /CERT_HAS_EXPIRED.*server Date \S+ agrees .*the certificate itself is expired/,
      )
      const ahead = await runProcess('/usr/bin/faketime', ['+40 days', process.execPath, ...args(emu)])
      assert.equal(ahead.code, EXIT.clock, ahead.stdout)
      assert.match(ahead.json.error.message, /CERT_HAS_EXPIRED.*local clock is \d+ s ahead: the certificate is valid/)
    },
  },
]

describe('root in a hostile cloud.d (the netdata user plants, root runs the CLI)', () => {
  const measured = new Map<string, {failures: number; worst: number}>()

  before(async () => {
    assert.ok(netdata, 'the netdata user exists (Debian netdata is installed)')
    assert.equal(process.geteuid?.(), 0, 'these cases are about root')
    base = mkdtempSync('/tmp/nc-hostile.')
    chmodSync(base, 0o755)
    emu = await startEmulator({rooms: [ROOM], tokens: [TOKEN]})
    expiredEmu = await startEmulator({faults: ['expired-cert'], rooms: [ROOM], tokens: [TOKEN]})
  })

  after(async () => {
    await emu?.close()
    await expiredEmu?.close()
    rmSync(base, {force: true, recursive: true})
  })

  for (const c of CASES) {
    test(`${c.name} (${c.runs} runs)`, async () => {
      let failures = 0
      let worst = 0
      let first: unknown
      for (let i = 0; i < c.runs; i++) {
        const t0 = performance.now()
        try {
          await c.run()
        } catch (error) {
          failures++
          first ??= error
        }

        worst = Math.max(worst, (performance.now() - t0) / 1000)
      }

      measured.set(c.name, {failures, worst})
      console.log(`# ${c.name}: ${c.runs} runs, ${failures} failures, worst ${worst.toFixed(2)} s`)
      if (first) throw first
      assert.ok(worst <= c.worst, `worst ${worst.toFixed(2)} s > ${c.worst} s`)
    })
  }

  test('the README table "Root in a hostile cloud.d" is this list: case, runs, failures 0, worst time bound', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const block = /<!-- hostile-cloud-d -->\n([\s\S]*?)<!-- \/hostile-cloud-d -->/.exec(readme)?.[1] ?? ''
    const rows = block
      .split('\n')
      .filter(l => l.startsWith('| ') && !l.startsWith('| case') && !l.startsWith('| ---'))
      .map(l => l.split(' | ').map(c => c.replace(/^\| |\s*\|$/g, '').trim()))
    assert.deepEqual(
      rows,
      CASES.map(c => [c.name, String(c.runs), '0', `≤ ${c.worst} s`]),
      'README rows = CASES',
    )
  })
})
