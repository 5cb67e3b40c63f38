// bin/load-bundle.js: the bundle runs the same with its V8 code cache, without it, with one V8 rejects and with one
// made
// from another cli.cjs; a cache is written again only where it should be. Each case loads the bundle in a child
// process (a code cache is per process), on a copy of dist/bundle in a temp dir when it changes files.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {
  appendFileSync,
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
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
  options: {env?: NodeJS.ProcessEnv; text?: boolean; uid?: number} = {},
): {cache: string; stdout: string} {
  const root = join(file, '../../..') // oclif finds package.json there, whose commands target is this same file
  const args = ['buildinfo', '--file', BUILDINFO, ...(options.text ? [] : ['--json'])]
  const script = `import {loadBundle} from ${JSON.stringify(join(ROOT, 'bin/load-bundle.js'))}
const {cache, exports: cli} = loadBundle(${JSON.stringify(file)})
process.stderr.write('cache=' + cache + '\\n')
await cli.execute({args: ${JSON.stringify(args)}, dir: ${JSON.stringify(join(root, 'bin/run.js'))}})`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
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
  return {cache: /cache=(\w+)/.exec(r.stderr)?.[1] ?? '?', stdout: r.stdout}
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
    readFileSync(`${BUNDLE}.cache`).subarray(0, 80).toString('latin1'),
    /^netdata-cloud code cache 1 \d+ \d+\n/,
  )
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

test('no cache, then a cache V8 rejects: the bundle runs from source, and the cache is written again at exit', () => {
  const dir = copyOfBundle()
  try {
    const file = join(dir, 'cli.cjs')
    const first = load(file)
    assert.equal(first.cache, 'none')
    assert.equal(first.stdout, reference.stdout)
    assert.equal(load(file).cache, 'used', 'the first run wrote a cache the second one used')

    // the right first line, then bytes that are not a V8 cache
    const line = readFileSync(`${file}.cache`).toString('latin1').split('\n')[0]
    writeFileSync(`${file}.cache`, `${line}\n${'x'.repeat(4096)}`)
    const garbage = load(file)
    assert.equal(garbage.cache, 'rejected')
    assert.equal(garbage.stdout, reference.stdout)
    assert.equal(load(file).cache, 'used')
    assert.deepEqual(readdirSync(dir).sort(), ['cli.cjs', 'cli.cjs.cache'], 'no temporary file is left behind')
  } finally {
    removeCopy(dir)
  }
})

test('a cache made from another cli.cjs is not used, even when the length is the same (V8 checks only the length)', () => {
  const dir = copyOfBundle()
  try {
    const file = join(dir, 'cli.cjs')
    assert.match(load(file, {text: true}).stdout, /^Format era /m) // made the cache, with the text renderer in it
    const before = readFileSync(file, 'latin1')
    // the same length, another program: if the old bytecode ran, it would still print "Format era"
    const changed = before.replace('Format era', 'Format ERA')
    assert.notEqual(changed, before)
    writeFileSync(file, changed, 'latin1')
    utimesSync(file, new Date(), new Date(Date.now() + 5000))
    const run = load(file, {text: true})
    assert.equal(run.cache, 'stale')
    assert.match(run.stdout, /^Format ERA /m)
    const again = load(file, {text: true})
    assert.equal(again.cache, 'used')
    assert.match(again.stdout, /^Format ERA /m)

    appendFileSync(file, '\n// another length\n')
    assert.equal(load(file).cache, 'stale')
  } finally {
    removeCopy(dir)
  }
})

test(
  'the cache is not written where the directory belongs to someone else, nor with NETDATA_CLOUD_NO_CODE_CACHE',
  {skip: process.getuid?.() === 0 ? false : 'needs root to chown the directory'},
  () => {
    const dir = copyOfBundle()
    try {
      const file = join(dir, 'cli.cjs')
      assert.equal(load(file, {env: {NETDATA_CLOUD_NO_CODE_CACHE: '1'}}).cache, 'off')
      assert.ok(!existsSync(`${file}.cache`))

      chownSync(dir, 65_534, 65_534) // nobody: root may write there, but the directory is not root's
      assert.equal(load(file).cache, 'none')
      assert.ok(!existsSync(`${file}.cache`), 'root wrote a cache into a directory it does not own')

      // nobody, who owns it, does write one (and may read the bundle: 0644 from copyFileSync under umask 022)
      assert.equal(load(file, {uid: 65_534}).cache, 'none')
      assert.ok(existsSync(`${file}.cache`))
      assert.equal(load(file).cache, 'used')
    } finally {
      removeCopy(dir)
    }
  },
)
