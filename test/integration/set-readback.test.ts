// The real agent is the judge of `set`: netdata.conf [cloud] options written by `netdata-cloud set` (judged against
// the real Debian 1.37.1 binary, no buildinfo fixture) are what the real agent parses: `netdatacli read-config
// 'netdata|cloud|KEY'` returns them after it starts on that file. Holds the machine-wide agent lock.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {test} from 'node:test'

import {lookupUser} from '../../src/agent/accounts.js'
import {readAgentConfig} from '../../src/agent/netdatacli.js'
import {lockAgent, waitForHttp} from '../helpers/agent.js'
import {FIXTURES, runCli} from '../helpers/cli.js'

test('set cloud.statistics / query thread count / proxy / conversation log: the real 1.37.1 agent reads them back', async () => {
  const unlock = await lockAgent()
  const dir = mkdtempSync('/tmp/nc-set-readback.')
  try {
    for (const d of ['etc', 'lib', 'cache', 'log']) mkdirSync(join(dir, d))
    const {createServer} = await import('node:net')
    const port = await new Promise<number>(resolve => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as {port: number}).port
        s.close(() => resolve(p))
      })
    })
    const template = readFileSync(join(FIXTURES, 'netdata-1.37.1-debian/test-agent.conf'), 'utf8')
    const conf = join(dir, 'etc/netdata.conf')
    writeFileSync(conf, template.replaceAll('@DIR@', dir).replaceAll('@PORT@', String(port)))
    writeFileSync(join(dir, 'etc/.opt-out-from-anonymous-statistics'), '')
    const flags = ['--config-dir', join(dir, 'etc'), '--lib-dir', join(dir, 'lib'), '--json']
    const sets: Array<[string, string, string]> = [
      ['cloud.statistics', 'no', 'statistics'],
      ['cloud.query thread count', '3', 'query thread count'],
      ['cloud.proxy', 'http://127.0.0.1:3128', 'proxy'],
      ['cloud.conversation-log', 'yes', 'conversation log'],
    ]
    for (const [option, value] of sets) {
      const r = runCli(['set', option, value, ...flags])
      assert.equal(r.code, 0, r.stdout + r.stderr)
      assert.equal(r.json.result.version, 'v1.37.1', 'judged against the real binary')
    }

    const u = lookupUser('netdata')!
    for (const p of [dir, ...['etc', 'lib', 'cache', 'log'].map(d => join(dir, d)), conf]) chownSync(p, u.uid, u.gid)
    const child = spawn('/usr/sbin/netdata', ['-c', conf, '-D'], {
      env: {DO_NOT_TRACK: '1', HOME: '/root', LANG: 'C.UTF-8', PATH: '/usr/sbin:/usr/bin:/sbin:/bin'},
      stdio: 'ignore',
    })
    const exited = new Promise(resolve => child.once('exit', resolve))
    try {
      await waitForHttp(`http://127.0.0.1:${port}/api/v1/info`)
      for (const [, value, key] of sets) {
        const a = await readAgentConfig('/usr/sbin/netdatacli', 'netdata', 'cloud', key)
        assert.equal(a.state, 'ok', `read-config netdata|cloud|${key}: ${'message' in a ? a.message : ''}`)
        assert.equal(a.value, value, key)
      }
    } finally {
      process.kill(child.pid!, 'SIGTERM')
      await Promise.race([exited, sleep(10_000).then(() => process.kill(child.pid!, 'SIGKILL'))])
      await exited
    }
  } finally {
    rmSync(dir, {force: true, recursive: true})
    unlock()
  }
})
