// The link walk through REAL proxies from Debian packages, started here on loopback and stopped by pid:
// tinyproxy (HTTP CONNECT, with and without Basic auth) and danted (SOCKS5, socks5 and socks5h, and with
// username/password for a throw-away system user), to the emulator; the claim client through the same danted.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {after, before, describe, test} from 'node:test'

import {httpsRequest} from '../../src/cloud/http.js'
import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {EXIT} from '../../src/base/errors.js'
import {linkEmulator, type LinkReport} from '../../src/services/link.js'
import {type Daemon, freePort, startDanted, startHttps, startTinyproxy, type TestHttps} from '../cloud/http-daemons.js'

const walk = (proxy: string, faults: string[] = []): Promise<LinkReport> =>
  linkEmulator(startEmulator, {
    deadlineMs: 20_000,
    faults,
    proxy,
    timeoutMs: 3000,
  })
const step = (r: LinkReport, id: string) => r.steps.find(s => s.id === id)!

describe('link through real proxies', () => {
  let plain: Daemon
  let authed: Daemon
  let refusing: Daemon // ConnectPort 0: it refuses CONNECT to every port (403)
  let dante: Daemon

  before(async () => {
    ;[plain, authed, refusing, dante] = await Promise.all([
      startTinyproxy(),
      startTinyproxy({pass: 'pr0xy-pass', user: 'linkuser'}),
      startTinyproxy(undefined, '\nConnectPort 0\n'),
      startDanted(),
    ])
  })

  after(async () => {
    for (const d of [plain, authed, refusing, dante]) if (d) assert.equal(await d.stop(), 0, `daemon ${d.pid} exits 0`)
  })

  test('tinyproxy, no auth: full PASS, CONNECT status line shown', async () => {
    const r = await walk(`http://127.0.0.1:${plain.port}`)
    assert.equal(r.exitCode, 0, JSON.stringify(r.steps))
    assert.match(step(r, 'proxy').detail, /CONNECT localhost:\d+: HTTP\/1\.0 200 Connection established/)
    assert.match(step(r, 'dns').detail, /localhost: resolved by the proxy/)
    assert.match(step(r, 'tcp').target, new RegExp(`127\\.0\\.0\\.1:${plain.port} \\(proxy\\)`))
  })

  test('tinyproxy with Basic auth: right password PASS, password never shown', async () => {
    const r = await walk(`http://linkuser:pr0xy-pass@127.0.0.1:${authed.port}`)
    assert.equal(r.exitCode, 0, JSON.stringify(r.steps))
    assert.doesNotMatch(JSON.stringify(r), /pr0xy-pass/)
    assert.equal(r.proxy, `http://linkuser:****@127.0.0.1:${authed.port}`)
  })

  test('tinyproxy with Basic auth: wrong password → proxy FAIL with the 401, exit proxy', async () => {
    const r = await walk(`http://linkuser:wrong-pass@127.0.0.1:${authed.port}`)
    assert.equal(step(r, 'proxy').status, 'FAIL')
    assert.match(
      step(r, 'proxy').detail,
      /proxy authentication failed \(user linkuser, password \*\*\*\*\): HTTP\/1\.0 401 Unauthorized/,
    )
    assert.equal(r.exitCode, EXIT.proxy)
    assert.doesNotMatch(JSON.stringify(r), /wrong-pass/)
    assert.equal(step(r, 'tls').status, 'SKIP')
  })

  test('tinyproxy with Basic auth: no credentials → 407', async () => {
    const r = await walk(`http://127.0.0.1:${authed.port}`)
    assert.match(step(r, 'proxy').detail, /proxy authentication required \(no credentials were sent\): HTTP\/1\.0 407/)
    assert.equal(r.exitCode, EXIT.proxy)
  })

  test('a proxy that refuses the port → 403 and the ConnectPort hint', async () => {
    const r = await walk(`http://127.0.0.1:${refusing.port}`)
    assert.match(step(r, 'proxy').detail, /the proxy refuses CONNECT to localhost:\d+: HTTP\/1\.1 403 Access violation/)
    assert.match(step(r, 'proxy').fix!, /ConnectPort/)
    assert.equal(r.exitCode, EXIT.proxy)
  })

  test('wrong proxy port (nothing listens) → tcp FAIL naming the proxy, exit proxy', async () => {
    const port = await freePort()
    const r = await walk(`http://127.0.0.1:${port}`)
    assert.equal(step(r, 'tcp').status, 'FAIL')
    assert.match(step(r, 'tcp').detail, new RegExp(`the proxy: 127\\.0\\.0\\.1:${port} refused`))
    assert.equal(r.exitCode, EXIT.proxy)
  })

  test('an HTTP proxy URL pointed at a SOCKS server → proxy FAIL, no hang', async () => {
    const started = Date.now()
    const r = await walk(`http://127.0.0.1:${dante.port}`)
    assert.equal(step(r, 'proxy').status, 'FAIL')
    assert.match(
      step(r, 'proxy').detail,
      /closed the connection without answering the CONNECT|not answer like an HTTP proxy/,
    )
    assert.ok(Date.now() - started < 5000)
  })

  test('danted socks5h (the proxy resolves the name): full PASS', async () => {
    const r = await walk(`socks5h://127.0.0.1:${dante.port}`)
    assert.equal(r.exitCode, 0, JSON.stringify(r.steps))
    assert.match(
      step(r, 'proxy').detail,
      /SOCKS5 CONNECT localhost:\d+: reply 0 \(succeeded\); the proxy resolves the name/,
    )
  })

  test('danted socks5 (resolved here, address sent): full PASS', async () => {
    const r = await walk(`socks5://127.0.0.1:${dante.port}`)
    assert.equal(r.exitCode, 0, JSON.stringify(r.steps))
    assert.match(step(r, 'proxy').detail, /SOCKS5 CONNECT 127\.0\.0\.1:\d+: reply 0 \(succeeded\); name resolved here/)
  })

  test('danted blocks the destination by rule → reply 2 named', async () => {
    const emulator = await startEmulator({})
    try {
      const {port} = new URL(emulator.url)
      const r = await linkEmulator(async () => emulator as any, {
        deadlineMs: 20_000,
        proxy: `socks5://127.0.0.1:${dante.port}`,
        timeoutMs: 3000,
        url: `https://127.0.0.2:${port}`,
      })
      assert.match(step(r, 'proxy').detail, /SOCKS5 reply 2 \(connection not allowed by ruleset\)/)
      assert.equal(r.exitCode, EXIT.proxy)
    } finally {
      await emulator.close()
    }
  })

  test('a SOCKS URL pointed at tinyproxy → proxy FAIL within the step timeout', async () => {
    const started = Date.now()
    const r = await linkEmulator(startEmulator, {
      deadlineMs: 20_000,
      proxy: `socks5h://127.0.0.1:${plain.port}`,
      timeoutMs: 1000,
    })
    assert.equal(step(r, 'proxy').status, 'FAIL')
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms`)
    assert.equal(r.exitCode, EXIT.proxy)
  })

  test('https:// proxy: not supported by the agent, said in settings', async () => {
    const r = await walk('https://127.0.0.1:3128')
    assert.equal(step(r, 'settings').status, 'FAIL')
    assert.match(step(r, 'settings').detail, /https:\/\/ proxies are not supported by the agent/)
    assert.equal(r.exitCode, EXIT.proxy)
  })
})

describe('SOCKS5 with username/password: danted checking a throw-away system user (test/fixtures/proxies)', () => {
  // every character that must be percent-encoded in a URL's password, as the proxies README tested it with curl
  const PASS = 'p@ss:w/rd%'
  let dante: Daemon & {user?: string}
  let emulator: Emulator
  let server: TestHttps
  let certDir: string

  before(async () => {
    certDir = mkdtempSync('/tmp/nc-socks-auth.')
    ;[dante, emulator, server] = await Promise.all([
      startDanted({pass: PASS}),
      startEmulator({}),
      startHttps(certDir, (req, res) => {
        req.resume()
        res.end('{"ok":true}')
      }),
    ])
  })

  after(async () => {
    await emulator?.close()
    await server?.close()
    if (dante) assert.equal(await dante.stop(), 0)
    assert.throws(() => execFileSync('id', [dante.user!], {stdio: 'ignore'}), 'the throw-away user is gone')
    rmSync(certDir, {force: true, recursive: true})
  })

  const url = (credentials: string) => `socks5h://${credentials}127.0.0.1:${dante.port}`

  test('link walk: the right password PASS (and is never shown); a wrong one is named 01 01; none is named 05 ff', async () => {
    const walkTo = (proxy: string) => linkEmulator(async () => emulator, {deadlineMs: 20_000, proxy, timeoutMs: 3000})
    const ok = await walkTo(url(`${dante.user}:${encodeURIComponent(PASS)}@`))
    assert.equal(ok.exitCode, 0, JSON.stringify(ok.steps))
    assert.match(step(ok, 'proxy').detail, /SOCKS5 CONNECT localhost:\d+: reply 0 \(succeeded\)/)
    assert.equal(ok.proxy, url(`${dante.user}:****@`))
    assert.doesNotMatch(JSON.stringify(ok), /p@ss|p%40ss|w\/rd|w%2Frd/)

    const wrong = await walkTo(url(`${dante.user}:not-${encodeURIComponent(PASS)}@`))
    assert.equal(step(wrong, 'proxy').status, 'FAIL')
    assert.equal(
      step(wrong, 'proxy').detail,
      `SOCKS5 username/password rejected (user ${dante.user}, password ****) (--proxy)`,
    )
    assert.equal(wrong.exitCode, EXIT.proxy)
    assert.equal(step(wrong, 'tls').status, 'SKIP')
    assert.doesNotMatch(JSON.stringify(wrong), /not-p/)

    const none = await walkTo(url(''))
    assert.match(
      step(none, 'proxy').detail,
      /the SOCKS5 proxy accepts none of the offered methods \(no credentials given\)/,
    )
    assert.match(step(none, 'proxy').fix!, /socks5:\/\/user:pass@host:port/)
    assert.equal(none.exitCode, EXIT.proxy)
  })

  test('the claim client (httpsRequest): the right password reaches the server, a wrong one is a proxy error without the password', async () => {
    const ok = await httpsRequest(
      {method: 'GET', url: `${server.url}/x`},
      {caFile: server.caPath, proxy: url(`${dante.user}:${encodeURIComponent(PASS)}@`)},
    )
    assert.equal(ok.status, 200)
    assert.equal(ok.proxy.kind, 'socks5')
    const wrong = await httpsRequest(
      {method: 'GET', url: `${server.url}/x`},
      {caFile: server.caPath, proxy: url(`${dante.user}:wrong-pw@`), timeoutMs: 5000},
    ).then(
      () => {},
      (error: any) => error,
    )
    assert.equal(wrong?.code, 'proxy', String(wrong))
    assert.doesNotMatch(`${wrong.message} ${wrong.fix ?? ''}`, /wrong-pw/)
  })
})
