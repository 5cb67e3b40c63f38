// status's trust check through the agent's proxy: REAL tinyproxy (HTTP CONNECT, with and without Basic auth, and one
// that refuses every CONNECT) and danted (SOCKS5: socks5 and socks5h) on loopback, started here and stopped by pid,
// in front of the emulator. The agent (a v1.40 node whose API says offline) has the proxy in netdata.conf [cloud] or
// in its service environment (proxy = env, v1 era: socks_proxy then http_proxy).
import assert from 'node:assert/strict'
import type {Server} from 'node:http'
import {after, before, describe, test} from 'node:test'

import {EXIT} from '../../src/base/errors.js'
import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {getStatus, statusExitCode} from '../../src/services/status.js'
import {renderStatus} from '../../src/ui/status.js'
import {type Daemon, startDanted, startTinyproxy} from '../cloud/http-daemons.js'
import {claimedNode} from '../helpers/trust-node.js'

describe("status's trust check through the agent's proxy", () => {
  let emulator: Emulator
  let other: Emulator
  let plain: Daemon
  let authed: Daemon
  let refusing: Daemon
  let dante: Daemon
  const servers: Server[] = []
  const ms: Record<string, number> = {}

  before(async () => {
    ;[emulator, other, plain, authed, refusing, dante] = await Promise.all([
      startEmulator(),
      startEmulator(),
      startTinyproxy(),
      startTinyproxy({pass: 'st4tus-pr0xy', user: 'statususer'}),
      startTinyproxy(undefined, '\nConnectPort 0\n'),
      startDanted(),
    ])
  })

  after(async () => {
    for (const s of servers) s.close()
    for (const d of [plain, authed, refusing, dante]) if (d) assert.equal(await d.stop(), 0, `daemon ${d.pid} exits 0`)
    await Promise.all([emulator?.close(), other?.close()])
    console.log(`# trust check ms: ${JSON.stringify(ms)}`)
  })

  /** status of a node whose agent trusts `caPem` and uses this proxy; the time the whole status took */
  async function status(name: string, caPem: string, options: Parameters<typeof claimedNode>[3]) {
    const {install, sys} = await claimedNode(emulator.port, servers, caPem, options)
    const started = performance.now()
    const s = await getStatus(install, {systemRoot: sys, timeoutMs: 3000})
    ms[name] = Math.round(performance.now() - started)
    return s
  }

  test('direct (no proxy): trusted, no proxy in the result', async () => {
    const s = await status('direct', emulator.caPem, {proxy: 'none'})
    assert.equal(s.tlsTrust?.trusted, true, JSON.stringify(s.tlsTrust))
    assert.equal(s.tlsTrust?.proxy, undefined)
    assert.doesNotMatch(s.tlsTrust?.detail ?? '', /proxy/)
  })

  test('tinyproxy in netdata.conf: the chain comes through the tunnel and is trusted; the proxy is named', async () => {
    const s = await status('tinyproxy', emulator.caPem, {proxy: `http://127.0.0.1:${plain.port}`})
    assert.equal(s.tlsTrust?.trusted, true, JSON.stringify(s.tlsTrust))
    assert.equal(s.tlsTrust?.proxy?.display, `http://127.0.0.1:${plain.port}`)
    assert.equal(s.tlsTrust?.proxy?.source, 'netdata.conf:2')
    assert.match(s.tlsTrust?.proxy?.tunnel ?? '', /^CONNECT 127\.0\.0\.1:\d+: HTTP\/1\.0 200 Connection established$/)
    assert.match(s.tlsTrust?.detail ?? '', /; through the agent's proxy http:\/\/127\.0\.0\.1:\d+ \(netdata\.conf:2\)$/)
    assert.equal(s.verdict.code, 'notLinked')
  })

  test('tinyproxy: the agent lacks the CA → tls (23), the chain seen through the proxy', async () => {
    const s = await status('tinyproxy-untrusted', other.caPem, {proxy: `http://127.0.0.1:${plain.port}`})
    assert.equal(s.tlsTrust?.trusted, false, JSON.stringify(s.tlsTrust))
    assert.equal(statusExitCode(s), EXIT.tls)
    assert.match(s.verdict.message, /the agent will not trust this chain: .*through the agent's proxy http:\/\/127/)
  })

  test('tinyproxy with Basic auth: trusted through it; the password is in no output', async () => {
    const s = await status('tinyproxy-auth', emulator.caPem, {
      proxy: `http://statususer:st4tus-pr0xy@127.0.0.1:${authed.port}`,
    })
    assert.equal(s.tlsTrust?.trusted, true, JSON.stringify(s.tlsTrust))
    assert.equal(s.tlsTrust?.proxy?.display, `http://statususer:****@127.0.0.1:${authed.port}`)
    assert.doesNotMatch(JSON.stringify(s), /st4tus-pr0xy/)
    assert.doesNotMatch(renderStatus(s), /st4tus-pr0xy/)
  })

  test('a proxy that refuses CONNECT (the cloud is reachable directly): "the proxy refuses", exit proxy, not untrusted', async () => {
    const s = await status('tinyproxy-refusing', other.caPem, {proxy: `http://127.0.0.1:${refusing.port}`})
    assert.equal(s.tlsTrust?.trusted, null, JSON.stringify(s.tlsTrust))
    assert.equal(s.tlsTrust?.failure, 'proxy')
    assert.match(
      s.tlsTrust?.detail ?? '',
      /the proxy refuses CONNECT to 127\.0\.0\.1:\d+: HTTP\/1\.1 403 Access violation/,
    )
    assert.equal(s.verdict.code, 'proxy', JSON.stringify(s.verdict))
    assert.equal(statusExitCode(s), EXIT.proxy)
    assert.match(s.verdict.fix ?? '', /allows CONNECT to 127\.0\.0\.1:\d+/)
    assert.ok(!s.findings.some(f => /will not trust/.test(f.message)))
  })

  test('danted socks5h and socks5 on a v2.11 node (ACLK-NG has SOCKS5 from v2.10): trusted through SOCKS5', async () => {
    for (const scheme of ['socks5h', 'socks5']) {
      const s = await status(`danted-${scheme}`, emulator.caPem, {
        proxy: `${scheme}://127.0.0.1:${dante.port}`,
        v2: true,
      })
      assert.equal(s.tlsTrust?.trusted, true, `${scheme}: ${JSON.stringify(s.tlsTrust)}`)
      assert.match(s.tlsTrust?.proxy?.tunnel ?? '', /^SOCKS5 CONNECT 127\.0\.0\.1:\d+: reply 0 \(succeeded\)$/)
    }
  })

  test('danted on a v1.40 node: its ACLK does not use SOCKS5 → verdict proxy, no connection made', async () => {
    const s = await status('danted-v1', emulator.caPem, {proxy: `socks5h://127.0.0.1:${dante.port}`})
    assert.equal(s.tlsTrust?.trusted, null, JSON.stringify(s.tlsTrust))
    assert.equal(s.tlsTrust?.failure, 'proxy')
    assert.match(s.tlsTrust?.detail ?? '', /this agent \(v1\.40\.0\) does not use SOCKS5 proxies for its ACLK/)
    assert.equal(statusExitCode(s), EXIT.proxy)
    assert.match(s.verdict.fix ?? '', /use an http:\/\/ proxy .* or upgrade the agent to v2\.10/)
  })

  test("proxy = env: the agent's service environment http_proxy (v1 era order) is the proxy the check uses", async () => {
    const s = await status('env-http_proxy', emulator.caPem, {
      environment: [`http_proxy=http://127.0.0.1:${plain.port}`],
      proxy: 'env',
    })
    assert.equal(s.tlsTrust?.trusted, true, JSON.stringify(s.tlsTrust))
    assert.deepEqual(
      {display: s.tlsTrust?.proxy?.display, source: s.tlsTrust?.proxy?.source},
      {display: `http://127.0.0.1:${plain.port}`, source: 'env http_proxy'},
    )
  })
})
