// Loopback daemons for the HTTPS-client and claim tests: a throw-away TLS certificate, a node HTTPS server, and the
// real
// tinyproxy / danted from Debian (test/fixtures/proxies), each started directly and stopped by its own pid.
import {execFileSync, spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer as createHttps, type Server} from 'node:https'
import {createServer as createNet, connect as netConnect} from 'node:net'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {FIXTURES} from '../helpers/cli.js'

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNet()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address() as {port: number}
      s.close(() => resolve(port))
    })
  })
}

/** A self-signed certificate for localhost/127.0.0.1 (also the CA to trust). */
export function makeCert(dir: string): {certPath: string; cert: string; key: string} {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, 'server.key'),
      '-out',
      join(dir, 'server.crt'),
      '-days',
      '30',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    {stdio: 'ignore'},
  )
  return {
    cert: readFileSync(join(dir, 'server.crt'), 'utf8'),
    certPath: join(dir, 'server.crt'),
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
  }
}

export interface TestHttps {
  url: string
  port: number
  caPath: string
  close: () => Promise<void>
}

export async function startHttps(
  dir: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  listenPort = 0,
): Promise<TestHttps> {
  const {cert, certPath, key} = makeCert(dir)
  const server: Server = createHttps({cert, key}, handler)
  const sockets = new Set<import('node:stream').Duplex>()
  server.on('connection', s => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>(resolve => server.listen(listenPort, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  return {
    caPath: certPath,
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
    },
    port,
    url: `https://localhost:${port}`,
  }
}

export interface Daemon {
  pid: number
  port: number
  stop: () => Promise<number | null>
}

async function waitPort(port: number, ready: (data: Buffer) => boolean, probe: Buffer): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>(resolve => {
      const s = netConnect(port, '127.0.0.1')
      const done = (v: boolean) => {
        s.destroy()
        resolve(v)
      }

      s.once('connect', () => s.write(probe))
      s.once('data', d => done(ready(d)))
      s.once('error', () => done(false))
      s.setTimeout(500, () => done(false))
    })
    if (ok) return
    await sleep(50)
  }

  throw new Error(`daemon on port ${port} did not become ready`)
}

/** tinyproxy (HTTP CONNECT), with Basic auth when `auth` is given and `extraConf` lines appended to the template. */
export async function startTinyproxy(auth?: {user: string; pass: string}, extraConf = ''): Promise<Daemon> {
  const dir = mkdtempSync('/tmp/nc-tinyproxy.')
  const port = await freePort()
  const template = readFileSync(join(FIXTURES, 'proxies', auth ? 'tinyproxy-auth.conf' : 'tinyproxy.conf'), 'utf8')
  const conf =
    template
      .replaceAll('@PORT@', String(port))
      .replaceAll('@USER@', auth?.user ?? '')
      .replaceAll('@PASS@', auth?.pass ?? '') + extraConf
  writeFileSync(join(dir, 'tinyproxy.conf'), conf)
  const child = spawn('/usr/bin/tinyproxy', ['-d', '-c', join(dir, 'tinyproxy.conf')], {stdio: 'ignore'})
  const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
  await waitPort(port, d => d.toString().startsWith('HTTP/'), Buffer.from('GET / HTTP/1.0\r\n\r\n'))
  return {
    pid: child.pid!,
    port,
    async stop() {
      process.kill(child.pid!, 'SIGTERM')
      const code = await exited
      rmSync(dir, {force: true, recursive: true})
      return code
    },
  }
}

/**
 * danted (SOCKS5) in its own process group; stopped by signalling that group. With `auth`, RFC 1929 username/password
 * (test/fixtures/proxies/danted-auth.conf): dante checks it against the system accounts, so a throw-away system user
 * is made with that password (chpasswd reads it on stdin) and deleted again by stop().
 */
export async function startDanted(auth?: {pass: string}): Promise<Daemon & {user?: string}> {
  const dir = mkdtempSync('/tmp/nc-danted.')
  const port = await freePort()
  const user = auth ? `ncsocks${randomBytes(4).toString('hex')}` : undefined
  if (user) {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user])
    execFileSync('chpasswd', [], {input: `${user}:${auth!.pass}\n`})
  }

  const template = readFileSync(join(FIXTURES, 'proxies', user ? 'danted-auth.conf' : 'danted.conf'), 'utf8')
  writeFileSync(join(dir, 'danted.conf'), template.replaceAll('@PORT@', String(port)).replaceAll('@USER@', user ?? ''))
  const child = spawn('/usr/sbin/danted', ['-f', join(dir, 'danted.conf'), '-p', join(dir, 'danted.pid')], {
    detached: true,
    stdio: 'ignore',
  })
  const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
  await waitPort(port, d => d[0] === 5, Buffer.from([5, 1, 0]))
  return {
    pid: child.pid!,
    port,
    async stop() {
      process.kill(-child.pid!, 'SIGTERM')
      const code = await exited
      rmSync(dir, {force: true, recursive: true})
      if (user) execFileSync('userdel', [user])
      return code
    },
    user,
  }
}
