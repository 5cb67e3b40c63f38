// The README is the front door: its exit-code table must be the one in src/errors.ts, and its quick start must name
// commands that exist.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {EXIT, EXIT_MEANING, type ErrorCode} from '../../src/base/errors.js'
import {ROOT} from '../helpers/cli.js'

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')

test('the README exit-code table lists every code of src/errors.ts, with its number and meaning', () => {
  for (const [code, exit] of Object.entries(EXIT)) {
    assert.ok(
      readme.includes(`| ${exit} | \`${code}\` | ${EXIT_MEANING[code as ErrorCode]} |`),
      `README row for ${code}`,
    )
  }

  const rows = readme.split('\n').filter(l => /^\| \d+ \| `\w+` \|/.test(l))
  assert.equal(rows.length, Object.keys(EXIT).length, 'no stale rows')
})

test('exit codes are distinct', () => {
  const values = Object.values(EXIT)
  assert.equal(new Set(values).size, values.length)
})

test('the quick start is exactly two commands, the second being npm test', () => {
  const block = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
  const lines = block.split('\n').filter(l => l.trim() !== '')
  assert.equal(lines.length, 2)
  assert.match(lines[0], /^npm ci && \.\/bin\/run\.js /)
  assert.match(lines[1], /^npm test\b/)
  const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8'))
  const command = /\.\/bin\/run\.js (\w+)/.exec(lines[0])![1]
  assert.ok(command in manifest.commands, `${command} is a command`)
})

test('the README command reference is what `oclif readme` generates from the commands now (npm run readme)', async () => {
  const {cpSync, copyFileSync, mkdtempSync, rmSync, symlinkSync} = await import('node:fs')
  const {execFileSync} = await import('node:child_process')
  const dir = mkdtempSync('/tmp/nc-readme.')
  try {
    for (const f of ['package.json', 'oclif.manifest.json', 'README.md']) copyFileSync(join(ROOT, f), join(dir, f))
    cpSync(join(ROOT, 'dist'), join(dir, 'dist'), {recursive: true})
    cpSync(join(ROOT, 'bin'), join(dir, 'bin'), {recursive: true})
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
    execFileSync(join(ROOT, 'node_modules/.bin/oclif'), ['readme', '--no-aliases'], {
      cwd: dir,
      env: {...process.env, NODE_TEST_CONTEXT: undefined, OCLIF_SKIP_UPDATE_CHECK: '1'},
      stdio: 'ignore',
    })
    const block = (text: string) => text.slice(text.indexOf('<!-- commands -->'), text.indexOf('<!-- commandsstop -->'))
    assert.equal(block(readme), block(readFileSync(join(dir, 'README.md'), 'utf8')))
  } finally {
    rmSync(dir, {force: true, recursive: true})
  }
})
