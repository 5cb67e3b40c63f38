// The committed oclif.manifest.json must be what `oclif manifest` generates from the built commands now (a stale
// manifest hides new commands and slows start-up), and every command's interface is frozen in a snapshot so that a
// flag or alias never changes by accident. Regenerate the snapshot on purpose with UPDATE_SNAPSHOT=1.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, copyFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {ROOT} from '../helpers/cli.js'

function generatedManifest(): any {
  const dir = mkdtempSync('/tmp/nc-manifest.')
  try {
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'))
    cpSync(join(ROOT, 'dist'), join(dir, 'dist'), {recursive: true}) // a symlink would change relativePath
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
    execFileSync(join(ROOT, 'node_modules/.bin/oclif'), ['manifest', dir], {
      cwd: dir,
      env: {...process.env, NODE_TEST_CONTEXT: undefined, OCLIF_SKIP_UPDATE_CHECK: '1'},
      stdio: 'ignore',
    })
    return JSON.parse(readFileSync(join(dir, 'oclif.manifest.json'), 'utf8'))
  } finally {
    rmSync(dir, {force: true, recursive: true})
  }
}

test('oclif.manifest.json is current (regenerate with npm run build)', () => {
  const committed = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8'))
  assert.deepEqual(committed, generatedManifest())
})

test('command interface snapshot: names, aliases, args, flags (with char, type, options)', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8'))
  const summary: Record<string, unknown> = {}
  for (const [id, c] of Object.entries<any>(manifest.commands).sort(([a], [b]) => a.localeCompare(b))) {
    summary[id] = {
      aliases: c.aliases,
      args: Object.keys(c.args ?? {}),
      flags: Object.fromEntries(
        Object.entries<any>(c.flags)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, f]) => [name, [f.type, f.char ?? null, f.options ?? null, f.hidden ?? false]]),
      ),
    }
  }

  const file = join(ROOT, 'test/process/commands.snapshot.json')
  if (process.env.UPDATE_SNAPSHOT) writeFileSync(file, JSON.stringify(summary, null, 2) + '\n')
  assert.deepEqual(summary, JSON.parse(readFileSync(file, 'utf8')))
})

test('bin/run.js --version (its fast path, no oclif) prints exactly what oclif prints', () => {
  const fast = execFileSync(process.execPath, [join(ROOT, 'bin/run.js'), '--version'], {encoding: 'utf8'})
  const script = `require(${JSON.stringify(join(ROOT, 'dist/bundle/cli.cjs'))}).execute({args: ['--version'], dir: ${JSON.stringify(join(ROOT, 'bin/run.js'))}})`
  const oclif = execFileSync(process.execPath, ['-e', script], {encoding: 'utf8'})
  assert.match(fast, /^netdata-cloud\/\d+\.\d+\.\d+ \S+-\S+ node-v\d+/)
  assert.equal(fast, oclif)
})

test("the bundle's fast paths (scripts/bundle-fast-paths.js) give the same results as what they stand in front of", async () => {
  const {compareIds, fastEjs, fastStringWidth} = await import('../../scripts/bundle-fast-paths.js')
  const {createRequire} = await import('node:module')
  const require = createRequire(join(ROOT, 'node_modules/@oclif/core/package.json'))
  const stringWidth = require('string-width')
  const ejs = require('ejs')
  const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8'))
  const texts = Object.values<any>(manifest.commands).flatMap(c => [
    c.id,
    c.description ?? '',
    ...(c.examples ?? []),
    ...Object.values<any>(c.flags).flatMap(f => [f.name, f.description ?? '']),
  ])
  const words = [
    ...texts.flatMap(t => t.split(/\s+/)),
    'a',
    'B',
    '-',
    'a-b',
    'a:b',
    'a:1',
    'a:-',
    ':',
    'a:',
    'a1',
    '1a',
    'é',
    '©',
    '®',
    '\u00AD',
    'e\u0301',
    '↔',
    '日本',
    '😀',
    '\u001B[1mbold\u001B[22m',
    '',
    'x\ty',
    '—',
    '…',
    '“q”',
  ]
  const ids = [...Object.keys(manifest.commands), ...words]
  const sign = (n: number) => Math.sign(n)
  for (const a of ids)
    for (const b of ids.slice(0, 60)) assert.equal(sign(compareIds(a, b)), sign(a.localeCompare(b)), `${a} vs ${b}`)
  const fastWidth = fastStringWidth(stringWidth)
  for (const w of [...words, ...texts]) assert.equal(fastWidth(w), stringWidth(w), JSON.stringify(w))
  const fast = fastEjs(ejs)
  for (const t of [...texts, '<%= config.bin %> x', 'a <%- 1 %>'])
    assert.equal(fast.render(t, {config: {bin: 'nc'}}), ejs.render(t, {config: {bin: 'nc'}}))
})
