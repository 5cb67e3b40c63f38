// status and buildinfo against the real Debian agent (netdata 1.37.1, built --disable-cloud).
import assert from 'node:assert/strict'
import {createServer, type Server} from 'node:http'
import {describe, test} from 'node:test'

import {EXIT} from '../../src/base/errors.js'
import {withAgent} from '../helpers/agent.js'
import {runCli, runCliAsync} from '../helpers/cli.js'

describe('buildinfo on the real agent', () => {
  test('runs /usr/sbin/netdata -W buildinfo and says it cannot reach Cloud, by user request', () => {
    const r = runCli(['buildinfo', '--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json.ok, true)
    assert.equal(r.json.result.version, 'v1.37.1')
    assert.equal(r.json.result.era, 'D')
    assert.equal(r.json.result.cloud.support, 'no-by-user-request')
    assert.deepEqual(r.json.result.aclk.implementations, [])
    assert.equal(r.json.result.json, 'repaired', 'the real 1.37.1 buildinfojson is invalid as printed')
    const text = runCli(['buildinfo'])
    assert.match(text.stdout, /Can reach Cloud\s+no, by user request/)
  })
})

describe('status on the real agent', () => {
  test('a running agent: the verdict is "cannot link, no ACLK" with its exit code, and the agent\'s own view is shown', async () => {
    await withAgent(async agent => {
      const r = runCli(['status', '--json', '--agent-url', agent.url])
      assert.equal(r.code, EXIT.noAclk, r.stderr)
      const s = r.json.result
      assert.equal(r.json.ok, false)
      assert.equal(s.verdict.state, 'cannot-link')
      assert.equal(s.verdict.code, 'noAclk')
      assert.match(s.verdict.message, /--disable-cloud/)
      assert.equal(s.running.reachable, true)
      assert.equal(s.running.version, 'v1.37.1')
      assert.equal(s.running.info.cloudAvailable, false)
      assert.equal(s.running.info.agentClaimed, false)
      assert.deepEqual(s.running.aclk, {'aclk-available': false})
      assert.equal(s.cloudConf.path, '/var/lib/netdata/cloud.d/cloud.conf')
      assert.equal(s.cloudConf.url.value, 'https://api.netdata.cloud', 'v1.37–1.38 default to api.')
      const text = runCli(['status', '--agent-url', agent.url])
      assert.equal(text.code, EXIT.noAclk)
      assert.match(text.stdout, /CANNOT LINK: this build has no ACLK/)
      assert.match(text.stdout, /cloud-available false/)
    })
  })

  test('--offline does not ask the agent and still gives the no-ACLK verdict', () => {
    const r = runCli(['status', '--offline', '--json', '--agent-url', 'http://127.0.0.1:9'])
    assert.equal(r.code, EXIT.noAclk)
    assert.equal(r.json.result.running.reachable, false)
    assert.equal(r.json.result.offline, true)
  })
})

async function serve(
  handler: (res: import('node:http').ServerResponse) => void,
): Promise<{server: Server; url: string}> {
  const server = createServer((_req, res) => handler(res))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {server, url: `http://127.0.0.1:${(server.address() as {port: number}).port}`}
}

describe('status with a broken agent API (a cloud-capable build, from a fixture netdata)', () => {
  // A stand-in netdata binary that prints a v1.42 cloud-capable buildinfo, so the verdict reaches the agent's view.
  const fakeNetdata = async () => {
    const {mkdtempSync, writeFileSync, readFileSync, chmodSync} = await import('node:fs')
    const dir = mkdtempSync('/tmp/nc-fake-netdata.')
    const text = readFileSync(new URL('../fixtures/buildinfo/E-v1.42.0.txt', import.meta.url), 'utf8')
    writeFileSync(`${dir}/buildinfo.txt`, text)
    writeFileSync(
      `${dir}/netdata`,
      `#!/bin/sh\nif [ "$1" = "-v" ]; then echo "netdata v1.42.0"; exit 0; fi\ncat "${dir}/buildinfo.txt"\n`,
    )
    chmodSync(`${dir}/netdata`, 0o755)
    return dir
  }

  test('invalid JSON from the agent → agent unreachable, one line, no stack trace', async () => {
    const dir = await fakeNetdata()
    const {server, url} = await serve(res => res.end('{"version": "v1.42.0", nope'))
    try {
      const r = await runCliAsync([
        'status',
        '--netdata',
        `${dir}/netdata`,
        '--lib-dir',
        dir,
        '--config-dir',
        dir,
        '--agent-url',
        url,
      ])
      assert.equal(r.code, EXIT.notClaimed, r.stdout + r.stderr)
      // not claimed comes first; claim it on disk to reach the agent's view
      const {writeFileSync, mkdirSync} = await import('node:fs')
      mkdirSync(`${dir}/cloud.d`)
      writeFileSync(`${dir}/cloud.d/claimed_id`, '2f4c1d3e-0000-4000-8000-0123456789ab')
      const {generateKeyPairSync} = await import('node:crypto')
      const {privateKey, publicKey} = generateKeyPairSync('rsa', {modulusLength: 2048})
      writeFileSync(`${dir}/cloud.d/private.pem`, privateKey.export({format: 'pem', type: 'pkcs8'}), {mode: 0o600})
      writeFileSync(`${dir}/cloud.d/public.pem`, publicKey.export({format: 'pem', type: 'spki'}))
      const r2 = await runCliAsync([
        'status',
        '--json',
        '--netdata',
        `${dir}/netdata`,
        '--lib-dir',
        dir,
        '--config-dir',
        dir,
        '--agent-url',
        url,
      ])
      // files are owned by root, not by the agent's user: a blocking ownership finding comes before the agent's view
      assert.equal(r2.json.result.verdict.code, 'permission', JSON.stringify(r2.json.result.findings))
      const {chownSync, readdirSync} = await import('node:fs')
      const {lookupUser} = await import('../../src/agent/accounts.js')
      const nd = lookupUser('netdata')!
      chownSync(`${dir}/cloud.d`, nd.uid, nd.gid)
      for (const f of readdirSync(`${dir}/cloud.d`)) chownSync(`${dir}/cloud.d/${f}`, nd.uid, nd.gid)
      const r3 = await runCliAsync([
        'status',
        '--netdata',
        `${dir}/netdata`,
        '--lib-dir',
        dir,
        '--config-dir',
        dir,
        '--agent-url',
        url,
      ])
      assert.equal(r3.code, EXIT.agentUnreachable, r3.stdout)
      assert.match(r3.stdout, /not valid JSON/)
      assert.doesNotMatch(r3.stdout + r3.stderr, /\n\s+at /, 'no stack trace')
    } finally {
      server.close()
    }
  })

  test('an agent that answers too slowly → agentUnreachable within --timeout', async () => {
    const dir = await fakeNetdata()
    const {server, url} = await serve(() => {
      /* never answers */
    })
    try {
      const started = Date.now()
      const r = await runCliAsync([
        'status',
        '--json',
        '--timeout',
        '500',
        '--netdata',
        `${dir}/netdata`,
        '--lib-dir',
        dir,
        '--config-dir',
        dir,
        '--agent-url',
        url,
      ])
      assert.ok(Date.now() - started < 5000)
      assert.equal(r.json.result.running.reachable, false)
      assert.equal(r.json.result.running.problem.error, 'timeout')
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})
