// Issue 14 item 16 (the parts not about -h/help): aliases do not repeat their descriptions in the root help; on an
// 80-column terminal status and link fit (words whole, DETAILS inside its column or under the row); the link banner
// comes before the progress lines; on a TTY (and only there) the running step is shown while it runs.
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {ROOT, runCli, runCliAsync, runProcess} from '../helpers/cli.js'
import {fakeNode} from '../helpers/fake-node.js'

const strip = (s: string) => s.replace(/\u001B\[[0-9;]*[A-Za-z]/g, '')

test('root help lists each command once: no alias entries repeating the description; the command help names them', () => {
  const root = runCli(['--help'], {env: {COLUMNS: '80'}})
  assert.equal(root.code, 0, root.stderr)
  for (const alias of ['connect', 'diagnose', 'disconnect'])
    assert.doesNotMatch(root.stdout, new RegExp(`^  ${alias} `, 'm'))
  assert.match(root.stdout, /^ {2}link {2,}Walk the real connection/m)
  assert.match(runCli(['link', '--help']).stdout, /ALIASES\n {2}\$ netdata-cloud diagnose/)
})

test('status on 80 columns: no line over 80, no word cut', () => {
  const node = fakeNode('D-v1.37.1-debian.txt', 'v1.37.1')
  const wide = runCli(['status', ...node.flags, '--offline'])
  const narrow = runCli(['status', ...node.flags, '--offline'], {env: {COLUMNS: '80'}})
  assert.equal(narrow.code, 11)
  for (const line of narrow.stdout.split('\n')) assert.ok(line.length <= 80, `${line.length}: ${line}`)
  const words = (s: string) => s.split(/\s+/).filter(Boolean)
  assert.deepEqual(words(narrow.stdout), words(wide.stdout), 'the same words, only the line breaks differ')
})

test('link --emulator on 80 columns: every line fits; the banner is the first stderr line, before any step', async () => {
  const r = await runCliAsync(['link', '--emulator'], {env: {COLUMNS: '80'}})
  assert.equal(r.code, 0, r.stderr)
  for (const line of r.stdout.split('\n')) assert.ok(line.length <= 80, `${line.length}: ${line}`)
  const err = r.stderr.split('\n')
  assert.match(err[0], /^Walking the link against the emulator at https:\/\/localhost:\d+ \(throw-away identity\)$/)
  assert.match(err[1], /^\[PASS\] settings /)
  assert.doesNotMatch(r.stdout, /Walking the link/)
  assert.doesNotMatch(r.stderr, /\[ \.\. \]/, 'not a TTY: no running-step line')
  // each step is one table row; its details are under it (or inside the DETAILS column), never 5–6 lines of row
  assert.match(r.stdout, /^settings +https:\/\/localhost:\d+ +PASS/m)
})

test('on a TTY (script(1) gives one): the running step is shown, then replaced by its result', async () => {
  const r = await runProcess('/usr/bin/script', [
    '-q',
    '-c',
    `'${process.execPath}' '${ROOT}/bin/run.js' link --emulator --only tcp`,
    '/dev/null',
  ])
  assert.equal(r.code, 0, r.stdout)
  assert.match(r.stdout, /\[ \.\. \] tcp localhost:\d+ …\r\u001B\[2K\[PASS\] tcp localhost:\d+/)
  assert.ok(strip(r.stdout).includes('Walking the link against the emulator'))
})
