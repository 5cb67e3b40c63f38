// Servers that misbehave on purpose: one that accepts and never answers, one that drips a byte a second, one that
// sends a 100 MB body (announced, and close-delimited). Each must give a FAIL within its step timeout, with memory
// bounded. The walk uses a throw-away identity with --url/--ca pointing at the server.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer as createNet, type Server as NetServer, type Socket} from 'node:net'
import {after, before, describe, test} from 'node:test'
import {createServer as createTls, Server as TlsServer} from 'node:tls'

import {EXIT} from '../../src/base/errors.js'
import {linkEmulator, type LinkReport} from '../../src/services/link.js'
import {makeCert} from '../cloud/http-daemons.js'

describe('link against hostile servers', () => {
  let dir: string
  let cert: {cert: string; key: string}
  const servers: Array<NetServer | TlsServer> = []
  const sockets = new Set<Socket>()

  before(() => {
    dir = mkdtempSync('/tmp/nc-link-hostile.')
    cert = makeCert(dir)
  })

  after(async () => {
    for (const s of sockets) s.destroy()
    await Promise.all(servers.map(s => new Promise(resolve => s.close(resolve))))
    rmSync(dir, {force: true, recursive: true})
  })

  async function listen(server: NetServer | TlsServer): Promise<number> {
    servers.push(server)
    server.on(server instanceof TlsServer ? 'secureConnection' : 'connection', (s: Socket) => {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    return (server.address() as {port: number}).port
  }

  const walk = (port: number, timeoutMs: number): Promise<LinkReport> =>
    linkEmulator(
      async () => ({
        async close() {},
        caPem: cert.cert,
        registerNode() {},
        url: `https://localhost:${port}`,
      }),
      {deadlineMs: 20_000, timeoutMs},
    )

  /** an HTTPS "Cloud" whose /env answer is written by `answer` */
  const tlsServer = (answer: (s: Socket) => void) =>
    createTls({cert: cert.cert, key: cert.key}, s => s.once('data', () => answer(s)))

  test('accepts TCP and never answers: tls FAIL within the step timeout', async () => {
    const port = await listen(createNet(() => {}))
    const started = Date.now()
    const r = await walk(port, 800)
    const tls = r.steps.find(s => s.id === 'tls')!
    assert.equal(tls.status, 'FAIL')
    assert.match(tls.detail, /no answer in 800 ms \(waiting for the TLS handshake\)/)
    assert.ok(tls.ms < 1500, `tls took ${tls.ms} ms`)
    assert.ok(Date.now() - started < 3000)
    assert.equal(r.exitCode, EXIT.tls)
  })

  test('TLS fine, then /env never answers: env FAIL within the timeout', async () => {
    const port = await listen(tlsServer(() => {}))
    const r = await walk(port, 800)
    const env = r.steps.find(s => s.id === 'env')!
    assert.equal(env.status, 'FAIL')
    assert.match(env.detail, /no answer in 800 ms \(waiting for the answer to GET \/api\/v1\/env\)/)
    assert.equal(r.exitCode, EXIT.cloudApi)
  })

  test('drips one byte a second: env FAIL within the timeout, saying how much arrived', async () => {
    const port = await listen(
      tlsServer(s => {
        const text = 'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{"encoding":"proto"}'
        let i = 0
        const timer = setInterval(
          () => (i < text.length && !s.destroyed ? s.write(text[i++]) : clearInterval(timer)),
          1000,
        )
        s.write(text[i++])
        s.on('close', () => clearInterval(timer))
      }),
    )
    const started = Date.now()
    const r = await walk(port, 2500)
    const env = r.steps.find(s => s.id === 'env')!
    assert.equal(env.status, 'FAIL')
    assert.match(
      env.detail,
      /no answer in 2500 ms \(waiting for the answer to GET \/api\/v1\/env \([1-4] bytes so far\)\)/,
    )
    assert.ok(Date.now() - started < 4500)
  })

  for (const [name, head] of [
    ['announced with Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n'],
    ['close-delimited (no length)', 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'],
    ['chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'],
  ] as const) {
    test(`100 MB body, ${name}: env FAIL at the cap, memory bounded`, async () => {
      let sent = 0
      const port = await listen(
        tlsServer(s => {
          s.write(head)
          const chunk = Buffer.alloc(64 * 1024, 0x61)
          const framed =
            name === 'chunked'
              ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])
              : chunk
          const pump = () => {
            while (sent < 100 * 1024 * 1024 && !s.destroyed) {
              sent += chunk.length
              if (!s.write(framed)) return s.once('drain', pump)
            }
          }

          pump()
        }),
      )
      const {rss} = process.memoryUsage()
      const started = Date.now()
      const r = await walk(port, 5000)
      const env = r.steps.find(s => s.id === 'env')!
      assert.equal(env.status, 'FAIL')
      assert.match(env.detail, /cap/)
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`)
      assert.ok(sent < 20 * 1024 * 1024, `the client stopped reading early (${sent} bytes were sent)`)
      assert.ok(process.memoryUsage().rss - rss < 60 * 1024 * 1024, 'RSS grew less than 60 MB')
      assert.equal(r.exitCode, EXIT.cloudApi)
    })
  }
})
