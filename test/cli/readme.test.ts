// The README is the front door: its exit-code table must be the one in src/errors.ts, and its quick start must name
// commands that exist.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {EXIT, EXIT_MEANING, type ErrorCode} from '../../src/errors.js'
import {ROOT} from '../helpers/cli.js'

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')

test('the README exit-code table lists every code of src/errors.ts, with its number and meaning', () => {
  for (const [code, exit] of Object.entries(EXIT)) {
    assert.ok(readme.includes(`| ${exit} | \`${code}\` | ${EXIT_MEANING[code as ErrorCode]} |`), `README row for ${code}`)
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
