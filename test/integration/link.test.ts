// `netdata-cloud link` as a user runs it (the built CLI): --emulator full PASS (the README's main-job command),
// --json shape, progress on stderr, exit codes, --only/--skip, and the node's own settings walked to an emulator
// in another process (--ca), with a fake agent API that says online (stop before CONNECT, or --take-over).
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import type {Server} from 'node:http'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {EXIT} from '../../src/base/errors.js'
import {ROOT} from '../helpers/cli.js'
import {makeClaimedNode, startAgentApi} from './linked-node.js'

interface Run {
  code: number
  stdout: string
  stderr: string
  json?: any
  ms: number
}

/**
 * Run the built CLI without blocking this process (the emulator here must keep answering); `clock` runs it under
 * libfaketime (Debian's faketime), e.g. '+40 days', so that only the CLI's clock is wrong.
 */
function cli(args: string[], env: NodeJS.ProcessEnv = {}, clock?: string): Promise<Run> {
  const started = Date.now()
  const command = [process.execPath, `${ROOT}/bin/run.js`, ...args]
  if (clock) command.unshift('/usr/bin/faketime', clock)
  return new Promise(resolve => {
    execFile(
      command[0],
      command.slice(1),
      {env: {...process.env, NO_COLOR: '1', ...env}, timeout: 60_000},
      (error, stdout, stderr) => {
        let json: any
        try {
          json = JSON.parse(stdout)
        } catch {}

        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          json,
          ms: Date.now() - started,
          stderr,
          stdout,
        })
      },
    )
  })
}

describe('netdata-cloud link (built CLI)', () => {
  test('link --emulator: full PASS table, SUMMARY line, progress on stderr, exit 0', async () => {
    const r = await cli(['link', '--emulator'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /^COMPONENT\s+TARGET\s+STATUS\s+DETAILS$/m)
    for (const id of ['settings', 'dns', 'tcp', 'proxy', 'tls', 'env', 'challenge/password', 'mqtt'])
      assert.match(r.stdout, new RegExp(`^${id}\\s+\\S+\\s+PASS\\s+\\d+ ms`, 'm'))
    assert.match(
      r.stdout,
      /^SUMMARY: PASS: the link to https:\/\/localhost:\d+ works — 8 pass, 0 warn, 0 fail, 0 skip in \d+ ms; 9 round trips, 1 TLS connection$/m,
    )
    assert.equal(r.stderr.match(/^\[PASS\] /gm)?.length, 8)
    assert.doesNotMatch(r.stdout + r.stderr, /PRIVATE KEY/)
  })

  test('diagnose --emulator --json: one document, {id, status, ms, detail, fix, ref} per step', async () => {
    const r = await cli(['diagnose', '--emulator', '--json'])
    assert.equal(r.code, 0)
    assert.equal(r.stderr, '')
    assert.equal(r.json.ok, true)
    assert.equal(r.json.command, 'link')
    assert.deepEqual(
      r.json.result.steps.map((s: any) => s.id),
      ['settings', 'dns', 'tcp', 'proxy', 'tls', 'env', 'challenge', 'mqtt'],
    )
    for (const s of r.json.result.steps) {
      assert.equal(s.status, 'PASS')
      assert.equal(typeof s.ms, 'number')
      assert.equal(typeof s.detail, 'string')
    }

    assert.equal(r.json.result.roundTrips, 9)
  })

  test('--fault connack-refused → exit 27, FAIL row with a fix line, later steps none', async () => {
    const r = await cli(['link', '--emulator', '--fault', 'connack-refused'])
    assert.equal(r.code, EXIT.mqtt)
    assert.match(r.stdout, /^mqtt\s+\S+\s+FAIL\s+\d+ ms {2}CONNACK 0x87 Not authorized/m)
    assert.match(r.stdout, /^\s+fix: credentials are issued per connection/m) // the table's fix (cloud/causes.ts)
    assert.match(r.stdout, /^SUMMARY: FAIL at mqtt: CONNACK 0x87/m)
  })

  test('--fault expired-cert → exit 23 and every step after tls is SKIP', async () => {
    const r = await cli(['link', '--emulator', '--fault', 'expired-cert', '--json'])
    assert.equal(r.code, EXIT.tls)
    assert.equal(r.json.ok, false)
    const st = Object.fromEntries(r.json.result.steps.map((s: any) => [s.id, s.status]))
    assert.deepEqual(st, {
      challenge: 'SKIP',
      dns: 'PASS',
      env: 'SKIP',
      mqtt: 'SKIP',
      proxy: 'PASS',
      settings: 'PASS',
      tcp: 'PASS',
      tls: 'FAIL',
    })
  })

  test('--only tls runs tls and what it needs; --skip mqtt leaves mqtt out', async () => {
    const only = await cli(['link', '--emulator', '--only', 'tls', '--json'])
    assert.deepEqual(
      only.json.result.steps.filter((s: any) => s.status === 'PASS').map((s: any) => s.id),
      ['settings', 'dns', 'tcp', 'proxy', 'tls'],
    )
    assert.match(only.json.result.steps.find((s: any) => s.id === 'env').detail, /not selected \(--only\)/)
    const skip = await cli(['link', '--emulator', '--skip', 'mqtt', '--json'])
    assert.equal(skip.code, 0)
    assert.equal(skip.json.result.steps.find((s: any) => s.id === 'mqtt').status, 'SKIP')
  })

  test('bad input: unknown step, bad duration, --fault without --emulator, --take-over without --yes off a TTY', async () => {
    for (const args of [
      ['--only', 'nope'],
      ['--timeout', 'soon'],
      ['--fault', 'stall'],
      ['--take-over', '--emulator'],
    ]) {
      const r = await cli(['link', ...args])
      assert.equal(r.code, EXIT.badInput, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stderr.trim().split('\n').length, 2, r.stderr) // message + "Try this:"
    }
  })

  describe("the node's own settings, to an emulator in this process (--ca)", () => {
    let emulator: Emulator
    let dir: string
    let agent: Server
    let agentOnline = true
    let claimId: string
    const flags = () => [
      '--netdata',
      join(dir, 'netdata'),
      '--config-dir',
      join(dir, 'etc'),
      '--lib-dir',
      join(dir, 'lib'),
      '--ca',
      emulator.caPath,
      '--as-version',
      '1.37.1',
      '--agent-url',
      `http://127.0.0.1:${(agent.address() as {port: number}).port}`,
    ]

    before(async () => {
      emulator = await startEmulator({})
      dir = mkdtempSync('/tmp/nc-link-node.')
      ;({claimId} = makeClaimedNode(dir, emulator))
      agent = await startAgentApi(claimId, () => agentOnline)
    })

    after(async () => {
      await emulator?.close()
      await new Promise(resolve => agent?.close(resolve))
      rmSync(dir, {force: true, recursive: true})
    })

    test('agent online: the walk stops before MQTT CONNECT and says why (WARN), exit 0', async () => {
      agentOnline = true
      const r = await cli(['link', ...flags(), '--json'])
      assert.equal(r.code, 0, JSON.stringify(r.json?.result?.steps ?? r.stderr))
      const mqtt = r.json.result.steps.find((s: any) => s.id === 'mqtt')
      assert.equal(mqtt.status, 'WARN')
      assert.match(mqtt.detail, /stopped before MQTT CONNECT: the running agent is online/)
      assert.match(mqtt.fix, /--take-over/)
      assert.match(
        r.json.result.steps.find((s: any) => s.id === 'settings').detail,
        /url https:\/\/localhost:\d+ \(cloud\.conf:3\); proxy none \(netdata\.conf:2\)/,
      )
      assert.equal(r.json.result.steps.find((s: any) => s.id === 'agent').status, 'PASS')
      const conns = emulator.records.connections
      assert.ok(conns.length > 0, 'the WebSocket upgrade reached the emulator')
      assert.ok(
        conns.every(c => c.clientId === undefined && c.connack === undefined),
        'no MQTT CONNECT was sent',
      )
    })

    test('agent online with another claim id than the files (not restarted after a re-claim): the stop reason says so', async () => {
      const other = await startAgentApi('99999999-8888-4777-8666-555555555555', () => true)
      try {
        const url = `http://127.0.0.1:${(other.address() as {port: number}).port}`
        const r = await cli(['link', ...flags().slice(0, -1), url, '--json'])
        const mqtt = r.json.result.steps.find((s: any) => s.id === 'mqtt')
        assert.equal(mqtt.status, 'WARN')
        assert.match(
          mqtt.detail,
          /online with claim id 99999999-8888-4777-8666-555555555555, not [0-9a-f-]{36} \([^)]*claimed_id\)/,
        )
        assert.doesNotMatch(mqtt.detail, /with this client id/)
        assert.match(mqtt.fix, /restart the agent/)
        assert.equal(r.json.result.steps.find((s: any) => s.id === 'agent').status, 'WARN')
      } finally {
        await new Promise(resolve => other.close(resolve))
      }
    })

    test('--take-over --yes: CONNECT done, full PASS', async () => {
      const r = await cli(['link', ...flags(), '--take-over', '--yes', '--json'])
      assert.equal(r.code, 0, JSON.stringify(r.json?.result?.steps ?? r.stderr))
      assert.match(
        r.json.result.steps.find((s: any) => s.id === 'mqtt').detail,
        /CONNACK 0.*took over the agent's session/,
      )
      const c = emulator.records.connections.find(x => x.clientId !== undefined)!
      assert.equal(c.protocolVersion, 5)
      assert.equal(c.will, undefined, 'no will: a dropped test session must not mark the node unreachable')
      assert.deepEqual(c.publishes, [], 'publishes nothing')
      assert.equal(c.pings, 1)
      assert.equal(c.disconnect?.by, 'client-disconnect')
      assert.equal(c.connectProperties?.topicAliasMaximum, undefined, 'v1.37 sends an empty property list')
    })

    test('the local clock 40 days ahead or 5 days behind (libfaketime): tls FAIL with the clock verdict, exit 24', async () => {
      for (const [clock, code, way] of [
        ['+40 days', 'CERT_HAS_EXPIRED', 'ahead'],
        ['-5 days', 'CERT_NOT_YET_VALID', 'behind'],
      ] as const) {
        const r = await cli(['link', ...flags(), '--json'], {}, clock)
        assert.equal(r.code, EXIT.clock, `${clock}: ${r.stdout}${r.stderr}`)
        const tls = r.json.result.steps.find((s: any) => s.id === 'tls')
        assert.equal(tls.status, 'FAIL')
        assert.match(
          tls.detail,
          new RegExp(
            `^${code}: .*server Date \\S+, local clock is \\d+ s ${way}: the certificate is valid, the local clock is wrong`,
          ),
        )
        assert.match(tls.fix, /timedatectl set-ntp true/)
        const skew = Number(/local clock is (\d+) s/.exec(tls.detail)![1])
        const expected = clock === '+40 days' ? 40 * 86_400 : 5 * 86_400
        assert.ok(Math.abs(skew - expected) < 120, `skew ${skew} s, expected about ${expected} s`)
        assert.equal(r.json.result.steps.find((s: any) => s.id === 'env').status, 'SKIP')
      }

      // the same certificate with the right clock passes: the verdict came from the clock alone
      const ok = await cli(['link', ...flags(), '--only', 'tls', '--json'])
      // not FAIL; a WARN because --ca trusts more than this (stand-in) agent does: it has no SSL_CERT_FILE
      const tls = ok.json.result.steps.find((s: any) => s.id === 'tls')
      assert.equal(tls.status, 'WARN', tls.detail)
      assert.match(
        tls.detail,
        /^TLSv1\.3 .*the agent will not trust this chain: its ACLK verifies with the system store/,
      )
    })

    test('agent offline: the walk passes and the agent row warns', async () => {
      agentOnline = false
      const r = await cli(['link', ...flags(), '--json'])
      assert.equal(r.json.result.steps.find((s: any) => s.id === 'mqtt').status, 'PASS')
      assert.equal(r.json.result.steps.find((s: any) => s.id === 'agent').status, 'WARN')
    })

    test('unclaimed node: steps up to env, then says what claiming would add, exit notClaimed', async () => {
      rmSync(join(dir, 'lib/cloud.d/claimed_id'))
      try {
        const r = await cli(['link', ...flags(), '--json'])
        assert.equal(r.code, EXIT.notClaimed)
        const st = Object.fromEntries(r.json.result.steps.map((s: any) => [s.id, s.status]))
        assert.equal(st.env, 'WARN')
        assert.equal(st.challenge, 'SKIP')
        assert.equal(st.mqtt, 'SKIP')
        assert.match(r.json.result.steps.find((s: any) => s.id === 'challenge').detail, /claiming would add/)
      } finally {
        writeFileSync(join(dir, 'lib/cloud.d/claimed_id'), claimId)
      }
    })
  })
})
