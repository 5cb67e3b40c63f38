// `claim` with the real Debian agent (1.37.1, built --disable-cloud): the refusal (exit code, nothing written, the
// agent still runs), and the token scan: every child process started during a claim (netdata, netdatacli) is a
// wrapper that records its own /proc/self/cmdline and /proc/self/environ before exec'ing the real binary; the token
// must appear in none of them, nor in stdout, stderr or the JSON.
import assert from 'node:assert/strict'
import {chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {EXIT} from '../../src/base/errors.js'
import {alive, type TestAgent, withAgent} from '../helpers/agent.js'
import {cli, V1} from './claim-env.js'

const TOKEN = 'tok-AgentScan-0a1b2c3d4e5f'
const ROOM = '3a3b3c3d-1111-4222-8333-944445555666'

function wrapper(dir: string, name: string, real: string, log: string): string {
  const path = join(dir, name)
  writeFileSync(
    path,
    `#!/bin/sh
{ printf '%s ARGV ' ${name}; tr '\\0' ' ' < /proc/$$/cmdline; printf '\\n%s ENV ' ${name}; tr '\\0' ' ' < /proc/$$/environ; printf '\\n'; } >> ${log}
exec ${real} "$@"
`,
  )
  chmodSync(path, 0o755)
  return path
}

async function agentAnswers(agent: TestAgent): Promise<boolean> {
  const r = await fetch(`${agent.url}/api/v1/info`, {signal: AbortSignal.timeout(3000)})
  return r.ok
}

describe('claim with the real Debian agent', () => {
  let emu: Emulator
  let wrapDir: string
  let log: string
  let netdata: string

  before(async () => {
    emu = await startEmulator({rooms: [ROOM], tokens: [TOKEN]})
    wrapDir = mkdtempSync('/tmp/nc-claim-wrap.')
    log = join(wrapDir, 'children.log')
    writeFileSync(log, '')
    netdata = wrapper(wrapDir, 'netdata', '/usr/sbin/netdata', log)
    wrapper(wrapDir, 'netdatacli', '/usr/sbin/netdatacli', log)
  })

  after(async () => {
    await emu.close()
    rmSync(wrapDir, {force: true, recursive: true})
  })

  test('a --disable-cloud build: refused with exit noAclk before anything is written; the agent keeps running', async () => {
    await withAgent(async agent => {
      const lib = join(agent.dir, 'lib')
      const cloudDir = join(lib, 'cloud.d')
      const listing = () => readdirSync(lib).sort().join(',') + ' | ' + readdirSync(cloudDir).sort().join(',')
      const before = listing()
      const realCloudD = (() => {
        try {
          return readdirSync('/var/lib/netdata/cloud.d').sort().join(',')
        } catch {
          return 'absent'
        }
      })()
      const flags = [
        '--netdata',
        netdata,
        '--config-dir',
        join(agent.dir, 'etc'),
        '--lib-dir',
        lib,
        '--agent-url',
        agent.url,
      ]
      const r = await cli(['claim', ...flags, '--url', emu.url, '--rooms', ROOM, '--json'], {
        env: {NETDATA_CLAIM_TOKEN: TOKEN},
      })
      assert.equal(r.code, EXIT.noAclk, r.stdout + r.stderr)
      assert.equal(r.json.error.code, 'noAclk')
      assert.match(r.json.error.message, /v1\.37\.1.*without Netdata Cloud support.*--disable-cloud/)
      const text = await cli(['claim', ...flags, '--url', emu.url], {env: {NETDATA_CLAIM_TOKEN: TOKEN}})
      assert.equal(text.code, EXIT.noAclk)
      assert.match(text.stderr, /cannot be claimed/)
      assert.match(text.stderr, /Try this: install a build with Netdata Cloud support/)
      for (const out of [r.stdout, r.stderr, text.stdout, text.stderr]) assert.ok(!out.includes(TOKEN))
      assert.equal(listing(), before, "nothing written in the agent's lib dir")
      assert.ok(!readdirSync(join(agent.dir, 'etc')).includes('claim.conf'))
      assert.equal(emu.records.claims.length, 0, 'no request sent')
      assert.ok(alive(agent.pid), 'the agent still runs')
      assert.ok(await agentAnswers(agent))
      assert.equal(
        (() => {
          try {
            return readdirSync('/var/lib/netdata/cloud.d').sort().join(',')
          } catch {
            return 'absent'
          }
        })(),
        realCloudD,
      )
      // the real claim script refuses the same build with its exit 3 (parity check, with a dummy token)
      const script = await import('node:child_process').then(cp =>
        cp.spawnSync('/usr/sbin/netdata-claim.sh', ['-token=dummy', '-daemon-not-running'], {encoding: 'utf8'}),
      )
      assert.equal(script.status, 3)
    })
  })

  test('the token never reaches a child process (argv, environment), the output or the JSON', async () => {
    await withAgent(async agent => {
      writeFileSync(log, '')
      const lib = mkdtempSync('/tmp/nc-claim-scanlib.')
      try {
        // a cloud-capable build (fixture) claims against the emulator, then talks to the running agent with netdatacli
        const flags = [
          '--netdata',
          netdata,
          '--config-dir',
          join(agent.dir, 'etc'),
          '--lib-dir',
          lib,
          '--agent-url',
          agent.url,
        ]
        const ok = await cli(
          ['claim', ...flags, '--buildinfo-file', V1, '--url', emu.url, '--ca', emu.caPath, '--rooms', ROOM, '--json'],
          {env: {NETDATA_CLAIM_TOKEN: TOKEN}},
        )
        assert.equal(ok.code, 0, ok.stdout + ok.stderr)
        assert.equal(ok.json.result.agent.state, 'failed', 'the --disable-cloud agent refuses reload-claiming-state')
        assert.match(ok.json.result.agent.messages.join('\n'), /cannot be claimed/)
        // text mode with the token on stdin and the refusal path (netdata -W buildinfo children)
        const text = await cli(['claim', ...flags, '--url', emu.url, '--token-stdin'], {input: TOKEN + '\n'})
        assert.equal(text.code, EXIT.noAclk)
        const dry = await cli(['claim', ...flags, '--buildinfo-file', V1, '--url', emu.url, '--dry-run', '--force'], {
          env: {NETDATA_CLAIM_TOKEN: TOKEN},
        })
        assert.equal(dry.code, 0, dry.stderr)
        const children = readFileSync(log, 'utf8')
        assert.ok((children.match(/^netdatacli ARGV /gm) ?? []).length >= 3, `netdatacli children seen:\n${children}`)
        assert.ok((children.match(/^netdata ARGV /gm) ?? []).length > 0, 'netdata children seen')
        assert.match(children, /netdatacli ARGV .*reload-claiming-state/)
        const everything = [
          ok.stdout,
          ok.stderr,
          JSON.stringify(ok.json),
          text.stdout,
          text.stderr,
          dry.stdout,
          dry.stderr,
          children,
        ].join('\n')
        const hits = everything.split(TOKEN).length - 1 + (everything.split(TOKEN.slice(4, -4)).length - 1)
        assert.equal(hits, 0, 'the token (or its middle) appears nowhere')
        assert.match(dry.stdout, /\*\*\*\*3d4e5f|\*\*\*\*4e5f/)
      } finally {
        rmSync(lib, {force: true, recursive: true})
      }
    })
  })

  test("unclaim with the running agent: claimed_id removed and backed up, the agent's refusal of reload reported, a restart asked for", async () => {
    await withAgent(async agent => {
      const lib = join(agent.dir, 'lib')
      const id = '5e5e5e5e-1111-4222-8333-944445555666'
      writeFileSync(join(lib, 'cloud.d', 'claimed_id'), id)
      const flags = [
        '--netdata',
        netdata,
        '--config-dir',
        join(agent.dir, 'etc'),
        '--lib-dir',
        lib,
        '--agent-url',
        agent.url,
      ]
      const r = await cli(['unclaim', ...flags, '--yes', '--json'])
      assert.equal(r.code, 0, r.stdout + r.stderr)
      assert.equal(r.json.result.oldClaimId, id)
      assert.equal(r.json.result.oldNodeId, null, 'the Debian agent has no node id')
      assert.equal(r.json.result.restart.state, 'needed')
      assert.match(r.json.result.restart.messages.join('\n'), /cannot be claimed/)
      assert.ok(!readdirSync(join(lib, 'cloud.d')).includes('claimed_id'))
      const bak = readdirSync(lib).find(n => n.startsWith('cloud.d.bak-'))!
      assert.equal(readFileSync(join(lib, bak, 'claimed_id'), 'utf8'), id)
      assert.ok(alive(agent.pid))
      assert.ok(await agentAnswers(agent))
    })
  })
})
