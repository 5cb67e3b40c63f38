// The real agent is the judge: files written by netdata-cloud (the CLI and the config model) are read by the real
// Debian netdata 1.37.1, and `netdatacli read-config` must return what the model says.
// 1.37.1 reads cloud.conf ONLY from /var/lib/netdata/cloud.d/cloud.conf, so this test writes there while holding
// the machine-wide agent lock, and restores what was there before (or removes what it created).
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {after, before, describe, test} from 'node:test'

import {lookupUser} from '../../src/agent/accounts.js'
import {eraRules} from '../../src/agent/era.js'
import {readAgentConfig} from '../../src/agent/netdatacli.js'
import {ConfigDocument} from '../../src/config/document.js'
import {MODES, writeFileAtomically} from '../../src/config/write.js'
import {lockAgent, waitForHttp} from '../helpers/agent.js'
import {ROOT, runCli, FIXTURES} from '../helpers/cli.js'

const CLOUD_D = '/var/lib/netdata/cloud.d'
const CLOUD_CONF = join(CLOUD_D, 'cloud.conf')
const NETDATACLI = '/usr/sbin/netdatacli'
const V132_BOTH = join(ROOT, 'test/fixtures/buildinfo/C-v1.32.1-both.txt')

interface Saved {
  dirExisted: boolean
  conf: null | {text: string; mode: number; uid: number; gid: number}
}

/** A private agent layout whose netdata.conf is the test-agent.conf template: returns its dir and config path. */
async function layout(): Promise<{dir: string; conf: string; port: number}> {
  const dir = mkdtempSync('/tmp/nc-readback.')
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
  return {conf, dir, port}
}

/** Start /usr/sbin/netdata on that layout, run fn, stop it by pid. The caller holds the agent lock. */
async function withConf<T>(l: {dir: string; conf: string; port: number}, fn: () => Promise<T>): Promise<T> {
  const u = lookupUser('netdata')!
  for (const p of [l.dir, ...['etc', 'lib', 'cache', 'log'].map(d => join(l.dir, d))]) chownSync(p, u.uid, u.gid)
  const child = spawn('/usr/sbin/netdata', ['-c', l.conf, '-D'], {
    env: {
      DO_NOT_TRACK: '1',
      HOME: '/root',
      LANG: 'C.UTF-8',
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    },
    stdio: 'ignore',
  })
  const exited = new Promise(resolve => child.once('exit', resolve))
  try {
    await waitForHttp(`http://127.0.0.1:${l.port}/api/v1/info`)
    return await fn()
  } finally {
    child.kill('SIGTERM')
    await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))])
    await exited
    rmSync(l.dir, {force: true, recursive: true})
  }
}

async function agentValue(file: 'cloud' | 'netdata', section: string, key: string): Promise<null | string | undefined> {
  const a = await readAgentConfig(NETDATACLI, file, section, key)
  assert.notEqual(a.state, 'no-agent', `netdatacli answered (${'message' in a ? a.message : ''})`)
  return a.value
}

describe('real agent read-back (netdata 1.37.1, netdatacli read-config)', () => {
  let unlock: () => void
  const saved: Saved = {conf: null, dirExisted: false}

  before(async () => {
    unlock = await lockAgent()
    saved.dirExisted = existsSync(CLOUD_D)
    if (existsSync(CLOUD_CONF)) {
      const st = statSync(CLOUD_CONF)
      saved.conf = {
        gid: st.gid,
        mode: st.mode & 0o7777,
        text: readFileSync(CLOUD_CONF, 'utf8'),
        uid: st.uid,
      }
    }
  })

  after(() => {
    try {
      if (saved.conf) writeFileAtomically(CLOUD_CONF, saved.conf.text)
      else if (saved.dirExisted) rmSync(CLOUD_CONF, {force: true})
      else rmSync(CLOUD_D, {force: true, recursive: true})
    } finally {
      unlock()
    }
  })

  test('`netdata-cloud disable` on the real paths: the agent reads enabled = no', async () => {
    if (saved.conf === null) rmSync(CLOUD_CONF, {force: true})
    const r = runCli(['disable', '--json'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(r.json.result.file, CLOUD_CONF)
    assert.equal(r.json.result.after, 'no')
    const st = statSync(CLOUD_CONF)
    const u = lookupUser('netdata')!
    if (saved.conf === null) assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [u.uid, u.gid, 0o770])
    await withConf(await layout(), async () => {
      assert.equal(await agentValue('cloud', 'global', 'enabled'), 'no')
    })
    // idempotent against the real file too
    const s1 = statSync(CLOUD_CONF)
    assert.equal(runCli(['disable', '--json']).json.result.changed, false)
    assert.deepEqual([statSync(CLOUD_CONF).ino, statSync(CLOUD_CONF).mtimeMs], [s1.ino, s1.mtimeMs])
  })

  test("the model's edits of awkward cloud.conf files read back as the model says", async () => {
    const u = lookupUser('netdata')!
    const cases = [
      // CRLF, a ';' that is not a comment, a later duplicate, a commented default
      {
        edit: ['global', 'enabled', 'off'],
        text: '# mine\r\n[global]\r\n    enabled = yes\r\n\t# cloud base url = https://x\r\n; not = a comment\r\n\tenabled = Yes\r\n',
      },
      // no final newline, the key only commented: set() turns the comment into the setting
      {
        edit: ['global', 'cloud base url', 'https://app.netdata.cloud'],
        text: '[global]\n\t# cloud base url = https://api.netdata.cloud\n\tenabled = no',
      },
      // section missing: appended
      {edit: ['global', 'enabled', 'no'], text: 'stray = line outside sections\n[other]\n\tk = v\n'},
    ]
    for (const c of cases) {
      const doc = ConfigDocument.parse(c.text)
      const [section, key, value] = c.edit
      doc.set(section, key, value)
      writeFileAtomically(CLOUD_CONF, doc.render(), {
        createDir: {mode: MODES.cloudDir, owner: {gid: u.gid, uid: u.uid}},
        mode: MODES.cloudConf,
      })
      await withConf(await layout(), async () => {
        // a key the file does not set reads back as the agent's default (1.37: enabled yes, api.netdata.cloud)
        const defaults: Record<string, string> = {'cloud base url': eraRules([1, 37, 1]).defaultUrl, enabled: 'yes'}
        for (const k of ['enabled', 'cloud base url']) {
          assert.equal(
            await agentValue('cloud', 'global', k),
            doc.get('global', k)?.value ?? defaults[k],
            `${JSON.stringify(c.text)}: ${k}`,
          )
        }

        assert.equal(await agentValue('cloud', 'other', 'k'), doc.get('other', 'k')?.value ?? null)
      })
    }
  })

  test('`netdata-cloud implementation legacy` (as if v1.32) writes netdata.conf [cloud] the agent reads back', async () => {
    // appended section
    const l1 = await layout()
    const r1 = runCli([
      'implementation',
      'legacy',
      '--json',
      '--buildinfo-file',
      V132_BOTH,
      '--config-dir',
      join(l1.dir, 'etc'),
      '--lib-dir',
      join(l1.dir, 'lib'),
    ])
    assert.equal(r1.code, 0, r1.stdout + r1.stderr)
    assert.equal(r1.json.result.after, 'legacy')
    await withConf(l1, async () => {
      assert.equal(await agentValue('netdata', 'cloud', 'aclk implementation'), 'legacy')
      assert.equal(
        await agentValue('netdata', 'global', 'hostname'),
        'nd-test',
        'the rest of the file still reads the same',
      )
    })
    // an existing [cloud] with a commented default and a CRLF line, then switched back to ng
    const l2 = await layout()
    writeFileSync(
      l2.conf,
      readFileSync(l2.conf, 'utf8') + '\n[cloud]\r\n\t# aclk implementation = legacy\r\n\tproxy = none\r\n',
    )
    const r2 = runCli([
      'implementation',
      'ng',
      '--json',
      '--buildinfo-file',
      V132_BOTH,
      '--config-dir',
      join(l2.dir, 'etc'),
      '--lib-dir',
      join(l2.dir, 'lib'),
    ])
    assert.equal(r2.code, 0, r2.stdout + r2.stderr)
    assert.match(readFileSync(l2.conf, 'utf8'), /\[cloud\]\r\n\taclk implementation = ng\r\n\tproxy = none\r\n$/)
    await withConf(l2, async () => {
      assert.equal(await agentValue('netdata', 'cloud', 'aclk implementation'), 'ng')
      assert.equal(await agentValue('netdata', 'cloud', 'proxy'), 'none')
    })
  })
})
