// Issue 14 items 4 and 5, with the real Debian agent running: `claim`, `unclaim` and `disable --restart` on another
// tree (--config-dir/--lib-dir) never talk to that unrelated agent, and a restart that cannot be done is a failure
// (exit 33), not a warning with exit 0. The agent's own tree still gets its own agent.
import assert from 'node:assert/strict'
import {chownSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, test} from 'node:test'

import {lookupUser} from '../../src/agent/accounts.js'
import {EXIT} from '../../src/base/errors.js'
import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {withAgent} from '../helpers/agent.js'
import {cli, makeLayout, V1} from './claim-env.js'

const TOKEN = 'tok-Target-0a1b2c3d4e5f'
let emu: Emulator
before(async () => {
  emu = await startEmulator({tokens: [TOKEN]})
})
after(async () => {
  await emu?.close()
})

test('with an unrelated agent running: claim/unclaim/disable --restart on another tree leave it alone; its own tree reaches it', async () => {
  await withAgent(async agent => {
    const l = makeLayout(TOKEN)
    try {
      const claimArgs = (flags: string[]) => [
        'claim',
        ...flags,
        '--netdata',
        '/usr/sbin/netdata',
        '--buildinfo-file',
        V1,
        '--token-file',
        l.tokenFile,
        '--url',
        emu.url,
        '--ca',
        emu.caPath,
        '--json',
      ]
      const daemonLog = () => {
        try {
          return readFileSync(join(agent.dir, 'log/daemon.log'), 'utf8')
        } catch {
          return ''
        }
      }

      const logBefore = daemonLog()
      const claimed = await cli(claimArgs(l.flags))
      assert.equal(claimed.code, 0, claimed.stdout + claimed.stderr)
      const told = claimed.json.result.agent
      assert.equal(told.state, 'not-running', JSON.stringify(told))
      assert.match(told.messages.join(' '), new RegExp(`no running agent with config dir ${l.etc}`))
      assert.doesNotMatch(told.messages.join(' '), /cannot be claimed/)

      const un = await cli(['unclaim', ...l.flags, '--netdata', '/usr/sbin/netdata', '--yes', '--json'])
      assert.equal(un.code, 0, un.stdout + un.stderr)
      assert.match(un.json.result.restart.messages.join(' '), /the agent of this install was not told/)
      assert.equal(
        daemonLog().length,
        logBefore.length,
        "the unrelated agent's log got nothing (no reload, no config write)",
      )

      // --restart on another tree: not the system service's install → a failure with its own exit code
      const user = lookupUser('netdata')!
      chownSync(l.lib, user.uid, user.gid)
      const dis = await cli([
        'disable',
        ...l.flags,
        '--netdata',
        '/usr/sbin/netdata',
        '--buildinfo-file',
        V1,
        '--restart',
        '--json',
      ])
      assert.equal(dis.code, EXIT.restartFailed, dis.stdout + dis.stderr)
      assert.equal(dis.json.result.restart, 'failed')
      assert.match(
        dis.json.result.restartDetail,
        /not restarted: the host's netdata service runs the system install, not this one/,
      )

      // the running agent's own tree: its own netdatacli answers (Debian's build refuses claiming: that answer is its)
      const own = ['--config-dir', join(agent.dir, 'etc'), '--lib-dir', join(agent.dir, 'lib')]
      mkdirSync(join(agent.dir, 'lib/registry'), {recursive: true})
      writeFileSync(join(agent.dir, 'lib/registry/netdata.public.unique.id'), 'c0ffee00-1111-4222-8333-444455556677')
      const mine = await cli(claimArgs(own))
      assert.equal(mine.code, 0, mine.stdout + mine.stderr)
      assert.notEqual(mine.json.result.agent.state, 'not-running', JSON.stringify(mine.json.result.agent))
    } finally {
      rmSync(l.dir, {force: true, recursive: true})
    }
  })
})
