// The interactive prompts (src/ui/prompts.ts, @inquirer/prompts bundled into dist/bundle/cli.cjs) on a real terminal:
// util-linux `script` gives the built CLI a pseudo-terminal, and the test types at the prompt once it is shown.
// The claim token is typed, so it is on no command line; the terminal shows only its mask.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {EXIT} from '../../src/base/errors.js'
import {ROOT} from '../helpers/cli.js'
import {type Layout, makeLayout, snapshot, V1} from './claim-env.js'

const TOKEN = 'tok-Typed-At-The-Prompt-31337'
const quote = (s: string) => `'${s.replaceAll("'", String.raw`'\''`)}'`

/**
 * Runs the CLI on a pseudo-terminal; each time the screen matches the next `answers` pattern, types its text.
 * Returns the exit code and everything the terminal showed (stdout and stderr, as a user sees them).
 */
async function onTerminal(args: string[], answers: [RegExp, string][]): Promise<{code: null | number; screen: string}> {
  const command = [process.execPath, join(ROOT, 'bin/run.js'), ...args].map(a => quote(a)).join(' ')
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: {...process.env, NO_COLOR: '1', TERM: 'xterm'},
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let screen = ''
  let next = 0
  let typedAt = 0
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    screen += d
    if (next < answers.length && answers[next][0].test(screen.slice(typedAt))) {
      typedAt = screen.length
      child.stdin.write(answers[next++][1])
    }
  })
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    screen += d
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  const code = await new Promise<null | number>(resolve => {
    child.once('close', c => resolve(c))
  })
  clearTimeout(timer)
  assert.equal(next, answers.length, `not every prompt was shown; the terminal showed:\n${screen}`)
  return {code, screen}
}

describe('prompts on a real terminal', () => {
  let emu: Emulator
  const layouts: Layout[] = []

  before(async () => {
    emu = await startEmulator({tokens: [TOKEN]})
  })

  after(async () => {
    await emu.close()
    for (const l of layouts) rmSync(l.dir, {force: true, recursive: true})
  })

  test('claim asks for the token with a masked prompt; the typed token claims the node and is never shown', async () => {
    const l = makeLayout('unused')
    layouts.push(l)
    const r = await onTerminal(
      ['claim', ...l.flags, '--buildinfo-file', V1, '--url', emu.url, '--ca', emu.caPath, '--no-reload'],
      [[/claim token/, `${TOKEN}\r`]],
    )
    assert.equal(r.code, 0, r.screen)
    assert.match(r.screen, /\*{8,}/, 'the mask is shown as the token is typed')
    assert.ok(!r.screen.includes(TOKEN), 'the token appeared on the terminal')
    assert.equal(emu.records.claims.at(-1)?.status, 204)
    assert.equal(readFileSync(join(l.cloudDir, 'claimed_id'), 'utf8'), emu.records.claims.at(-1)?.claimId)
  })

  test('unclaim asks before it removes the claim: "n" leaves every file as it was, "y" removes it', async () => {
    const l = makeLayout(TOKEN)
    layouts.push(l)
    const {runCliAsync} = await import('../helpers/cli.js')
    const claimed = await runCliAsync([
      'claim',
      ...l.flags,
      '--buildinfo-file',
      V1,
      '--token-file',
      l.tokenFile,
      '--url',
      emu.url,
      '--ca',
      emu.caPath,
      '--no-reload',
      '--json',
    ])
    assert.equal(claimed.code, 0, claimed.stdout + claimed.stderr)
    const before = snapshot(l.dir)

    const no = await onTerminal(
      ['unclaim', ...l.flags, '--buildinfo-file', V1, '--no-reload'],
      [[/Disconnect this node/, 'n\r']],
    )
    assert.equal(no.code, EXIT.badInput, no.screen)
    assert.match(no.screen, /not confirmed: nothing was changed/)
    assert.deepEqual(snapshot(l.dir), before)

    const yes = await onTerminal(
      ['unclaim', ...l.flags, '--buildinfo-file', V1, '--no-reload', '--agent-url', 'http://127.0.0.1:1'],
      [[/Disconnect this node/, 'y\r']],
    )
    assert.equal(yes.code, 0, yes.screen)
    assert.ok(!existsSync(join(l.cloudDir, 'claimed_id')))
  })
})
