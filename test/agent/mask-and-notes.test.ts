// Issue 14 item 14: a masked token never carries control characters to the terminal (the refusal of a token with an
// escape sequence showed it raw), and the Debian JSON's repair is not filed under "Not recognised".
import assert from 'node:assert/strict'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {mask} from '../../src/base/secrets.js'
import {runCli} from '../helpers/cli.js'

test('mask() shows no control characters, even when the tail of the value has them', () => {
  assert.equal(mask('tok-abcdefghijkl\u001B[2J'), '****l[2J')
  assert.equal(mask('tok-abcdefghijkl'), '****ijkl')
  assert.doesNotMatch(mask('abcdefghij\u0007\u0008\r'), /[\u0000-\u001F]/)
})

test('claim with a token that has an escape sequence: refused (18), and the output has no raw control character', () => {
  const d = mkdtempSync('/tmp/nc-tok.')
  writeFileSync(join(d, 'token'), 'tok-abcdefghijkl\u001B[2J\n', {mode: 0o600})
  const r = runCli([
    'claim',
    '--config-dir',
    d,
    '--lib-dir',
    d,
    '--token-file',
    join(d, 'token'),
    '--buildinfo-file',
    new URL('../fixtures/buildinfo/D-v1.40.0.txt', import.meta.url).pathname,
    '--url',
    'https://127.0.0.1:9',
    '--no-reload',
  ])
  assert.equal(r.code, 18, r.stderr)
  assert.match(r.stderr, /contains a control character/)
  assert.doesNotMatch(r.stdout + r.stderr, /\u001B/)
})

test("buildinfo --file of Debian's invalid JSON: the repair is in the -W buildinfojson row, not under Not recognised", () => {
  const r = runCli([
    'buildinfo',
    '--file',
    new URL('../fixtures/buildinfo/D-v1.37.1-debian.json', import.meta.url).pathname,
  ])
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /-W buildinfojson +invalid as printed \(missing commas\), repaired/)
  assert.doesNotMatch(r.stdout, /Not recognised/)
})
