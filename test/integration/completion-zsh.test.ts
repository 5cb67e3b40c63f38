// zsh completion (@oclif/plugin-autocomplete): the function `autocomplete zsh` writes is loaded by a real zsh from
// the fpath that `autocomplete script zsh` sets up, and run with zsh's _arguments/_values replaced by stubs that print
// what they are offered (the real ones work only inside a completion widget, at a terminal). It must offer the
// commands, and for `status` its flags. (bash is driven for real in test/cli/conventions.test.ts.)
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {after, test} from 'node:test'

import {runCli} from '../helpers/cli.js'

const tmp = mkdtempSync('/tmp/nc-zsh.')
after(() => rmSync(tmp, {force: true, recursive: true}))

test('zsh: the generated _netdata-cloud offers the commands and a command’s flags', () => {
  const env = {HOME: tmp, PATH: process.env.PATH, XDG_CACHE_HOME: join(tmp, 'cache')}
  const made = runCli(['autocomplete', 'zsh'], {env})
  assert.equal(made.code, 0, made.stderr)
  const setup = runCli(['autocomplete', 'script', 'zsh'], {env})
  assert.equal(setup.code, 0, setup.stderr)
  const script = `
${setup.stdout}
autoload -Uz _netdata-cloud
_values() { shift; print -rl -- "$@" | sed 's/\\[.*//' }
_arguments() {
  if [[ $1 == -C ]]; then state=$NC_STATE; line=($NC_LINE); else shift; print -rl -- "$@" | sed 's/\\[.*//'; fi
}
NC_STATE=cmds _netdata-cloud
print -- ---
NC_STATE=args NC_LINE=status _netdata-cloud
`
  const r = spawnSync('zsh', ['-f', '-c', script], {encoding: 'utf8', env})
  assert.equal(r.status, 0, r.stderr)
  const [commands, flags] = r.stdout.split('---\n').map(part => part.trim().split('\n'))
  for (const c of ['buildinfo', 'claim', 'status', 'unclaim', 'link', 'help']) assert.ok(commands.includes(c), c)
  for (const f of ['--offline', '--timeout', '--json', '--verbose']) assert.ok(flags.includes(f), `${f} in ${flags}`)
  assert.ok(!flags.includes('--token-stdin'), 'only status flags')
})
