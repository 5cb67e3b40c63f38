import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {after, before, describe, test} from 'node:test'

import {httpsRequest} from '../../src/cloud/http.js'
import {parseProxy, proxyFromEnv} from '../../src/cloud/proxy.js'
import {UserError} from '../../src/base/errors.js'
import {redactUrl} from '../../src/base/secrets.js'
import {type Daemon, freePort, startDanted, startHttps, startTinyproxy, type TestHttps} from './http-daemons.js'

async function failure(p: Promise<unknown>): Promise<UserError> {
  try {
    await p
  } catch (error) {
    assert.ok(error instanceof UserError, `not a UserError: ${String(error)}`)
    return error
  }

  assert.fail('expected a failure')
}

describe('parseProxy / proxyFromEnv', () => {
  test('netdata values', () => {
    assert.equal(parseProxy('none').kind, 'none')
    assert.equal(parseProxy('').kind, 'none')
    assert.equal(parseProxy('http://u:p@h:3128').kind, 'http')
    const s = parseProxy('socks5h://h:1080')
    assert.ok(s.kind === 'socks5' && s.remoteDns)
    const s2 = parseProxy('socks5://h:1080')
    assert.ok(s2.kind === 'socks5' && !s2.remoteDns)
  })

  test('https:// and unknown schemes are refused like netdata does', () => {
    assert.throws(() => parseProxy('https://h:1'), /does not support TLS to the proxy/)
    assert.throws(() => parseProxy('ftp://h:1'), /unsupported scheme/)
    assert.throws(() => parseProxy('not a url'), /not a URL/)
  })

  test('env: curl rules, no_proxy, source named', () => {
    const p = proxyFromEnv({HTTPS_PROXY: 'h:3128'}, 'https://app.netdata.cloud')
    assert.ok(p.kind === 'http' && p.url.host === 'h:3128')
    assert.equal(p.source, 'env (HTTPS_PROXY)')
    assert.equal(
      proxyFromEnv({https_proxy: 'http://h:1', no_proxy: '.netdata.cloud'}, 'https://app.netdata.cloud').kind,
      'none',
    )
    assert.equal(
      proxyFromEnv({http_proxy: 'http://h:1'}, 'https://app.netdata.cloud').kind,
      'none',
      'curl uses https_proxy for https',
    )
  })

  test('redactUrl hides the password', () => {
    assert.equal(redactUrl('http://user:secret@h:1/'), 'http://user:****@h:1/')
  })
})

describe('httpsRequest against loopback servers', () => {
  let dir: string
  let server: TestHttps
  let proxy: Daemon
  let authProxy: Daemon
  let socks: Daemon

  before(async () => {
    dir = mkdtempSync('/tmp/nc-http-test.')
    server = await startHttps(dir, (req, res) => {
      if (req.url === '/stall') return // never answers
      if (req.url === '/big') {
        res.writeHead(200, {'content-type': 'text/plain'})
        res.end('x'.repeat(200_000))
        return
      }

      let body = ''
      req.on('data', c => {
        body += c
      })
      req.on('end', () => {
        res.writeHead(200, {'content-type': 'application/json'})
        res.end(JSON.stringify({body, method: req.method}))
      })
    })
    ;[proxy, authProxy, socks] = await Promise.all([
      startTinyproxy(),
      startTinyproxy({pass: 'pw123', user: 'u1'}),
      startDanted(),
    ])
  })

  after(async () => {
    assert.equal(await proxy.stop(), 0)
    assert.equal(await authProxy.stop(), 0)
    await socks.stop()
    await server.close()
    rmSync(dir, {force: true, recursive: true})
  })

  test('direct PUT with the CA file', async () => {
    const r = await httpsRequest({body: '{"a":1}', method: 'PUT', url: `${server.url}/x`}, {caFile: server.caPath})
    assert.equal(r.status, 200)
    assert.deepEqual(JSON.parse(r.body), {body: '{"a":1}', method: 'PUT'})
    assert.equal(r.proxy.kind, 'none')
  })

  test('self-signed without the CA → tls; with --insecure → ok', async () => {
    const e = await failure(httpsRequest({method: 'GET', url: `${server.url}/`}))
    assert.equal(e.code, 'tls')
    assert.match(e.message, /DEPTH_ZERO_SELF_SIGNED_CERT|self-signed/)
    const r = await httpsRequest({method: 'GET', url: `${server.url}/`}, {insecure: true})
    assert.equal(r.status, 200)
  })

  test('connection refused → tcp', async () => {
    const port = await freePort()
    const e = await failure(httpsRequest({method: 'GET', url: `https://127.0.0.1:${port}/`}, {caFile: server.caPath}))
    assert.equal(e.code, 'tcp')
    assert.match(e.message, /ECONNREFUSED/)
  })

  test('a stalled server → timeout at the deadline, not later', async () => {
    const t = performance.now()
    const e = await failure(
      httpsRequest({method: 'GET', url: `${server.url}/stall`}, {caFile: server.caPath, timeoutMs: 400}),
    )
    const ms = performance.now() - t
    assert.equal(e.code, 'timeout')
    assert.ok(ms >= 380 && ms < 2000, `took ${ms} ms`)
  })

  test('an answer over the size cap → cloudApi', async () => {
    const e = await failure(
      httpsRequest({method: 'GET', url: `${server.url}/big`}, {caFile: server.caPath, maxBytes: 50_000}),
    )
    assert.equal(e.code, 'cloudApi')
    assert.match(e.message, /larger than 50000 bytes/)
  })

  test('through tinyproxy (CONNECT)', async () => {
    const r = await httpsRequest(
      {method: 'GET', url: `${server.url}/p`},
      {caFile: server.caPath, proxy: `http://127.0.0.1:${proxy.port}`},
    )
    assert.equal(r.status, 200)
    assert.equal(r.proxy.kind, 'http')
  })

  test('tinyproxy with Basic auth: right credentials ok; none → 407 proxy; wrong → 401 proxy', async () => {
    const ok = await httpsRequest(
      {method: 'GET', url: `${server.url}/p`},
      {caFile: server.caPath, proxy: `http://u1:pw123@127.0.0.1:${authProxy.port}`},
    )
    assert.equal(ok.status, 200)
    const none = await failure(
      httpsRequest(
        {method: 'GET', url: `${server.url}/p`},
        {caFile: server.caPath, proxy: `http://127.0.0.1:${authProxy.port}`},
      ),
    )
    assert.equal(none.code, 'proxy')
    assert.match(none.message, /407/)
    const wrong = await failure(
      httpsRequest(
        {method: 'GET', url: `${server.url}/p`},
        {caFile: server.caPath, proxy: `http://u1:bad@127.0.0.1:${authProxy.port}`},
      ),
    )
    assert.equal(wrong.code, 'proxy')
    assert.match(wrong.message, /401/)
    assert.doesNotMatch(wrong.message, /bad@/)
  })

  test('tinyproxy cannot reach the target → proxy (500 to CONNECT)', async () => {
    const port = await freePort()
    const e = await failure(
      httpsRequest(
        {method: 'GET', url: `https://127.0.0.1:${port}/`},
        {caFile: server.caPath, proxy: `http://127.0.0.1:${proxy.port}`},
      ),
    )
    assert.equal(e.code, 'proxy')
    assert.match(e.message, /500/)
  })

  test('proxy port closed → proxy', async () => {
    const port = await freePort()
    const e = await failure(
      httpsRequest(
        {method: 'GET', url: `${server.url}/`},
        {caFile: server.caPath, proxy: `http://127.0.0.1:${port}`, timeoutMs: 3000},
      ),
    )
    assert.equal(e.code, 'proxy')
  })

  test('an HTTP proxy URL pointing at a SOCKS server ends at the deadline (no reconnect storm)', async () => {
    const t = performance.now()
    const e = await failure(
      httpsRequest(
        {method: 'GET', url: `${server.url}/`},
        {caFile: server.caPath, proxy: `http://127.0.0.1:${socks.port}`, timeoutMs: 500},
      ),
    )
    assert.ok(e.code === 'proxy' || e.code === 'timeout', e.code)
    assert.ok(performance.now() - t < 3000)
  })

  test('through danted: socks5 and socks5h', async () => {
    for (const scheme of ['socks5', 'socks5h']) {
      const r = await httpsRequest(
        {body: 'b', method: 'PUT', url: `${server.url}/s`},
        {caFile: server.caPath, proxy: `${scheme}://127.0.0.1:${socks.port}`},
      )
      assert.equal(r.status, 200, scheme)
      assert.equal(JSON.parse(r.body).body, 'b')
    }
  })

  test('danted refuses a blocked destination → proxy', async () => {
    const e = await failure(
      httpsRequest(
        {method: 'GET', url: `https://127.0.0.2:${server.port}/`},
        {caFile: server.caPath, proxy: `socks5://127.0.0.1:${socks.port}`},
      ),
    )
    assert.equal(e.code, 'proxy')
    assert.match(e.message, /NotAllowed|SOCKS/)
  })
})
