// The README's "Install": `npm pack` → `npm install -g ./netdata-cloud-*.tgz --prefix DIR` → every command runs from
// DIR, as root and as an unprivileged user, from a directory that is not the repository. The pack runs in a copy of
// the sources (its prepack build must not rewrite the dist/ other tests are running), and the install uses npm's cache
// only (--offline: `npm ci` filled it; a test reaches no registry).
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {
  chmodSync,
  chownSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from 'node:fs'
import {join} from 'node:path'
import {after, before, test} from 'node:test'

import {ROOT, runProcess} from '../helpers/cli.js'

const NOBODY = 65_534
const tmp = mkdtempSync('/tmp/nc-install.')
const prefix = join(tmp, 'prefix')
const bin = join(prefix, 'bin/netdata-cloud')
let packOutput = ''
let installOutput = ''

before(async () => {
  assert.equal(process.getuid?.(), 0, 'this test installs as root and runs the CLI as nobody: run it as root')
  const src = join(tmp, 'src')
  mkdirSync(src)
  for (const entry of ['bin', 'package-lock.json', 'package.json', 'schemas', 'scripts', 'src', 'tsconfig.json'])
    cpSync(join(ROOT, entry), join(src, entry), {recursive: true})
  // the code-cache training (scripts/train-code-cache.mjs) reads one fixture
  cpSync(join(ROOT, 'test/fixtures/buildinfo'), join(src, 'test/fixtures/buildinfo'), {recursive: true})
  symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'))
  const env = {...process.env, NODE_TEST_CONTEXT: undefined, OCLIF_SKIP_UPDATE_CHECK: '1'}
  const pack = await runProcess('npm', ['pack', '--pack-destination', tmp], {cwd: src, env, timeoutMs: 300_000})
  packOutput = pack.stdout + pack.stderr
  assert.equal(pack.code, 0, packOutput)
  const tarball = readdirSync(tmp).find(f => /^netdata-cloud-.*\.tgz$/.test(f))
  assert.ok(tarball, packOutput)
  rmSync(src, {force: true, recursive: true}) // the install must not need the sources
  const install = await runProcess(
    'npm',
    ['install', '-g', `./${tarball}`, '--prefix', prefix, '--offline', '--no-audit', '--no-fund'],
    {cwd: tmp, env, timeoutMs: 300_000},
  )
  installOutput = install.stdout + install.stderr
  assert.equal(install.code, 0, installOutput)
  chmodSync(tmp, 0o755) // mkdtemp makes it 0700: nobody must reach the prefix
  for (const user of ['root', 'nobody']) mkdirSync(join(tmp, `home-${user}`))
  chownSync(join(tmp, 'home-nobody'), NOBODY, NOBODY)
})

after(() => rmSync(tmp, {force: true, recursive: true}))

test('the tarball ships the built CLI and needs no install script', () => {
  assert.doesNotMatch(installOutput, /install-scripts|prepare|allowScripts/, installOutput)
  const pkg = JSON.parse(readFileSync(join(prefix, 'lib/node_modules/netdata-cloud/package.json'), 'utf8'))
  for (const script of ['preinstall', 'install', 'postinstall', 'prepare'])
    assert.equal(pkg.scripts[script], undefined, `package.json has a "${script}" script: npm would refuse to run it`)
  const files = execFileSync('find', ['.', '-type', 'f'], {
    cwd: join(prefix, 'lib/node_modules/netdata-cloud'),
    encoding: 'utf8',
  })
  assert.match(files, /\.\/dist\/bundle\/cli\.cjs\n/)
  assert.match(files, /\.\/oclif\.manifest\.json\n/)
  assert.doesNotMatch(files, /\.\/src\/|\.\/test\//, 'sources and tests stay out of the tarball')
  // the tarball's npm-shrinkwrap.json (package-lock.json, copied by prepack) pins every node the same as `npm ci`
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'))
  for (const dep of ['mqtt', 'undici', 'ws', 'socks', 'ip-address']) {
    const installed = JSON.parse(
      readFileSync(join(prefix, 'lib/node_modules/netdata-cloud/node_modules', dep, 'package.json'), 'utf8'),
    )
    assert.equal(installed.version, lock.packages[`node_modules/${dep}`].version, dep)
  }
})

for (const user of ['root', 'nobody'] as const) {
  const ids = user === 'root' ? {} : {gid: NOBODY, uid: NOBODY}
  const run = (args: string[]) =>
    runProcess(bin, args, {
      cwd: tmp,
      env: {HOME: join(tmp, `home-${user}`), NODE_EXTRA_CA_CERTS: undefined, PATH: process.env.PATH},
      timeoutMs: 60_000,
      ...ids,
    })

  test(`as ${user}: every command runs from the installed prefix`, async () => {
    const version = await run(['--version'])
    assert.equal(version.code, 0, version.stderr)
    assert.match(version.stdout, /^netdata-cloud\/\d+\.\d+\.\d+ /)

    const help = await run(['--help'])
    assert.equal(help.code, 0, help.stderr)
    const manifest = JSON.parse(
      readFileSync(join(prefix, 'lib/node_modules/netdata-cloud/oclif.manifest.json'), 'utf8'),
    )
    const commands = Object.values<any>(manifest.commands).filter(c => !c.hidden)
    assert.ok(commands.length >= 10)
    for (const c of commands) {
      const shown = c.id.replaceAll(':', ' ')
      assert.match(help.stdout, new RegExp(`\\b${shown}\\b`), `--help lists ${shown}`)
      const r = await run([...shown.split(' '), '--help'])
      assert.equal(r.code, 0, `${shown} --help: ${r.stderr}`)
      assert.match(r.stdout, /USAGE/, `${shown} --help`)
    }

    const empty = join(tmp, `empty-${user}`)
    mkdirSync(empty)
    if (user === 'nobody') chownSync(empty, NOBODY, NOBODY)
    const status = await run(['status', '--json', '--prefix', empty, '--agent-url', 'http://127.0.0.1:1'])
    assert.equal(status.json?.command, 'status', status.stdout + status.stderr)

    const link = await run(['link', '--emulator', '--json'])
    assert.equal(link.code, 0, link.stdout + link.stderr)
    assert.equal(link.json.ok, true)
  })
}
