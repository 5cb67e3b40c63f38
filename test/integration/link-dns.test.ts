// The link walk's dns step against REAL DNS answers: dnsmasq (Debian package) started here on 127.0.0.1:53 and
// stopped by pid, seen by the built CLI through a private mount namespace where /etc/resolv.conf says
// `nameserver 127.0.0.1` (unshare -m + mount --bind). No real name is ever looked up. dnsmasq serves:
//   cloud.nc-test   A 127.0.0.1 (no AAAA: NODATA)      → full walk to the emulator in this process (--ca)
//   v6only.nc-test  AAAA ::1 only (A: NODATA)
//   nx.nc-test      NXDOMAIN
//   sf.nc-test      SERVFAIL (forwarded to a tiny upstream here that answers SERVFAIL to everything)
//   slow.nc-test    no answer at all (forwarded to an upstream here that reads every query and never replies)
// `--local=/nc-test/` keeps every other nc-test name local (NXDOMAIN/NODATA, never REFUSED or forwarded).
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {createSocket, type Socket} from 'node:dgram'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import type {Server} from 'node:http'
import {createServer as createNetServer} from 'node:net'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'

import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {EXIT} from '../../src/base/errors.js'
import {type CliRun as Run, ROOT, runProcess} from '../helpers/cli.js'
import {makeClaimedNode, startAgentApi} from './linked-node.js'

let resolvConf = ''

/** The built CLI in a private mount namespace whose /etc/resolv.conf (`conf`) points at dnsmasq on 127.0.0.1. */
function cliInNamespace(args: string[], conf = resolvConf): Promise<Run> {
  const quoted = args.map(a => `'${a.replaceAll("'", String.raw`'\''`)}'`).join(' ')
  return runProcess('unshare', [
    '-m',
    'sh',
    '-c',
    `mount --bind '${conf}' /etc/resolv.conf && exec '${process.execPath}' '${ROOT}/bin/run.js' ${quoted}`,
  ])
}

const step = (r: Run, id: string) => {
  const s = r.json?.result?.steps?.find((x: any) => x.id === id)
  assert.ok(s, `no ${id} step: ${r.stdout}${r.stderr}`)
  return s
}

/** A DNS "server" that answers every query with SERVFAIL (the header with QR and RCODE 2 set, nothing else). */
async function startServfailUpstream(): Promise<Socket> {
  const sock = createSocket('udp4')
  sock.on('message', (msg, from) => {
    const reply = Buffer.from(msg)
    reply[2] = msg[2] | 0x80 // QR
    reply[3] = (msg[3] & 0x70) | 0x80 | 2 // RA, RCODE SERVFAIL
    sock.send(reply, from.port, from.address)
  })
  await new Promise<void>(resolve => {
    sock.bind(0, '127.0.0.1', resolve)
  })
  return sock
}

/** A DNS "server" that takes every query and never answers (a nameserver behind a dropping firewall). */
async function startSilentUpstream(): Promise<Socket> {
  const sock = createSocket('udp4')
  sock.on('message', () => {})
  await new Promise<void>(resolve => {
    sock.bind(0, '127.0.0.1', resolve)
  })
  return sock
}

/** '' when 127.0.0.1:53 is free (UDP and TCP), else the bind error. */
async function port53Busy(): Promise<string> {
  const udp = await new Promise<string>(resolve => {
    const probe = createSocket('udp4')
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    probe.bind(53, '127.0.0.1', () => probe.close(() => resolve('')))
  })
  if (udp) return udp
  return new Promise<string>(resolve => {
    const tcp = createNetServer()
    tcp.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    tcp.listen(53, '127.0.0.1', () => tcp.close(() => resolve('')))
  })
}

describe('link dns step against dnsmasq on loopback (private mount namespace)', () => {
  let dir: string
  let upstream: Socket
  let silent: Socket
  let dnsmasq: ReturnType<typeof spawn>
  let dnsmasqExit: Promise<null | number>
  let dnsmasqLog = ''
  let emulator: Emulator
  let agent: Server

  before(async () => {
    const busy = await port53Busy()
    assert.equal(
      busy,
      '',
      `127.0.0.1:53 is not free (${busy}): glibc's resolv.conf cannot name another port, so this test needs port 53 — stop the local DNS server (systemd-resolved listens on 127.0.0.53, not 127.0.0.1)`,
    )
    dir = mkdtempSync('/tmp/nc-link-dns.')
    resolvConf = join(dir, 'resolv.conf')
    writeFileSync(resolvConf, 'nameserver 127.0.0.1\noptions attempts:1 timeout:2\n')
    upstream = await startServfailUpstream()
    silent = await startSilentUpstream()
    dnsmasq = spawn(
      '/usr/sbin/dnsmasq',
      [
        '--no-daemon',
        '--keep-in-foreground',
        '--port=53',
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        '--no-resolv',
        '--no-hosts',
        '--log-facility=-',
        '--log-queries',
        '--local=/nc-test/',
        '--host-record=cloud.nc-test,127.0.0.1',
        '--host-record=v6only.nc-test,::1',
        '--address=/nx.nc-test/',
        `--server=/sf.nc-test/127.0.0.1#${upstream.address().port}`,
        `--server=/slow.nc-test/127.0.0.1#${silent.address().port}`,
      ],
      {stdio: ['ignore', 'pipe', 'pipe']},
    )
    dnsmasqExit = new Promise(resolve => dnsmasq.once('exit', resolve))
    for (const s of [dnsmasq.stdout!, dnsmasq.stderr!])
      s.setEncoding('utf8').on('data', (d: string) => {
        dnsmasqLog += d
      })
    // ready when it says so in its log (or gone)
    for (let i = 0; i < 100 && !/started, version/.test(dnsmasqLog) && dnsmasq.exitCode === null; i++) await sleep(50)
    assert.equal(dnsmasq.exitCode, null, `dnsmasq exited: ${dnsmasqLog}`)
    assert.match(dnsmasqLog, /started, version/)

    emulator = await startEmulator({hostnames: ['cloud.nc-test', 'localhost', '127.0.0.1']})
    const {claimId} = makeClaimedNode(dir, emulator)
    agent = await startAgentApi(claimId, () => false)
  })

  after(async () => {
    await emulator?.close()
    await new Promise(resolve => agent?.close(resolve))
    if (dnsmasq?.pid && dnsmasq.exitCode === null) {
      process.kill(dnsmasq.pid, 'SIGTERM')
      await dnsmasqExit
    }

    upstream?.close()
    silent?.close()
    if (dir) rmSync(dir, {force: true, recursive: true})
  })

  const flags = (url: string) => [
    '--url',
    url,
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
    '--timeout',
    '3',
    '--json',
  ]

  test('cloud.nc-test (A 127.0.0.1): dns PASS shows the A record and the nameserver, and the walk reaches the emulator', async () => {
    assert.equal(emulator.url, `https://cloud.nc-test:${emulator.port}`)
    const r = await cliInNamespace(['link', ...flags(emulator.url)])
    const dns = step(r, 'dns')
    assert.equal(dns.status, 'PASS', JSON.stringify(dns))
    assert.match(
      dns.detail,
      /^cloud\.nc-test: A 127\.0\.0\.1; AAAA no record of this type \(nameservers 127\.0\.0\.1\)$/,
    )
    assert.match(step(r, 'tcp').detail, new RegExp(`127\\.0\\.0\\.1:${emulator.port} connected`))
    // WARN, not PASS: --ca trusts the emulator's CA, the (absent) agent's system store does not
    assert.equal(step(r, 'tls').status, 'WARN', JSON.stringify(step(r, 'tls')))
    assert.match(step(r, 'tls').detail, /the agent will not trust this chain/)
    assert.match(step(r, 'tls').detail, /SNI cloud\.nc-test/)
    assert.equal(step(r, 'mqtt').status, 'PASS', JSON.stringify(r.json?.result?.steps))
    assert.match(dnsmasqLog, /query\[A\] cloud\.nc-test from 127\.0\.0\.1/, 'the answer came from this dnsmasq')
  })

  test('cloud.nc-test --only dns: dns PASS, exit 0', async () => {
    const r = await cliInNamespace(['link', ...flags(emulator.url), '--only', 'dns'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(step(r, 'dns').status, 'PASS')
    assert.equal(r.json.result.exitCode, 0)
  })

  test('nx.nc-test (NXDOMAIN): dns FAIL, exit 20, says NXDOMAIN and to check the spelling; nothing after runs', async () => {
    const r = await cliInNamespace(['link', ...flags('https://nx.nc-test')])
    assert.equal(r.code, EXIT.dns, r.stdout + r.stderr)
    assert.equal(r.json.result.exitCode, EXIT.dns)
    const dns = step(r, 'dns')
    assert.equal(dns.status, 'FAIL')
    assert.equal(dns.code, 'dns')
    const nx = 'NXDOMAIN: the name does not exist'
    assert.equal(dns.detail, `nx.nc-test: A ${nx}; AAAA ${nx}; getaddrinfo ${nx} (nameservers 127.0.0.1)`)
    assert.match(dns.fix, /check the spelling of nx\.nc-test in the cloud URL/)
    for (const id of ['tcp', 'tls', 'mqtt']) assert.notEqual(step(r, id).status, 'PASS')
  })

  test('sf.nc-test (SERVFAIL): dns FAIL, exit 20, told apart from NXDOMAIN', async () => {
    const r = await cliInNamespace(['link', ...flags('https://sf.nc-test')])
    assert.equal(r.code, EXIT.dns, r.stdout + r.stderr)
    const dns = step(r, 'dns')
    assert.equal(dns.status, 'FAIL')
    const sf = 'SERVFAIL: the nameserver failed to answer'
    assert.equal(
      dns.detail,
      `sf.nc-test: A ${sf}; AAAA ${sf}; getaddrinfo temporary failure in name resolution (nameservers 127.0.0.1)`,
    )
    assert.doesNotMatch(dns.detail, /NXDOMAIN/)
    assert.doesNotMatch(dns.fix, /spelling/)
    assert.match(dns.fix, /SERVFAIL/, 'not the "nameservers do not answer" fix: they did answer')
    assert.match(dnsmasqLog, /reply error is SERVFAIL/)
  })

  test('v6only.nc-test (AAAA ::1 only): no A, the AAAA shown, and the IPv6-only hint', async () => {
    const url = `https://v6only.nc-test:${emulator.port}`
    const r = await cliInNamespace(['link', ...flags(url), '--only', 'dns'])
    const dns = step(r, 'dns')
    assert.equal(dns.status, 'PASS', JSON.stringify(dns))
    assert.match(
      dns.detail,
      /^v6only\.nc-test: A no record of this type; AAAA ::1; v6only\.nc-test is IPv6-only: this host needs an IPv6 route \(nameservers 127\.0\.0\.1\)$/,
    )
  })

  test("slow.nc-test (the nameserver never answers, glibc's default 5 s × 2): dns FAIL with its own verdict, and the process ends with it", async () => {
    // no `options` line: getaddrinfo in the CLI's own process would hold its exit ~10 s after the verdict
    const defaults = join(dir, 'resolv-defaults.conf')
    writeFileSync(defaults, 'nameserver 127.0.0.1\n')
    const started = Date.now()
    const r = await cliInNamespace(['link', ...flags('https://slow.nc-test')], defaults)
    const ms = Date.now() - started
    assert.equal(r.code, EXIT.dns, r.stdout + r.stderr)
    const dns = step(r, 'dns')
    assert.equal(dns.status, 'FAIL')
    const none = 'no answer from the nameserver (timeout)'
    assert.equal(dns.detail, `slow.nc-test: A ${none}; AAAA ${none}; getaddrinfo ${none} (nameservers 127.0.0.1)`)
    assert.ok(dns.ms < 3000, `the step's own verdict comes before the step timeout (${dns.ms} ms)`)
    assert.match(dns.fix, /the nameservers do not answer/)
    assert.ok(ms < 4500, `the CLI ran ${ms} ms with --timeout 3`)
    assert.match(dnsmasqLog, /forwarded slow\.nc-test to 127\.0\.0\.1/)
  })

  test('status --agent-url http://slow.nc-test:19999 (the nameserver never answers): "no answer" within --timeout, and the process ends with it', async () => {
    const defaults = join(dir, 'resolv-defaults.conf')
    writeFileSync(defaults, 'nameserver 127.0.0.1\n')
    const started = Date.now()
    const r = await cliInNamespace(
      [
        'status',
        '--agent-url',
        'http://slow.nc-test:19999',
        '--config-dir',
        join(dir, 'etc'),
        '--lib-dir',
        join(dir, 'lib'),
        '--timeout',
        '2000',
        '--json',
      ],
      defaults,
    )
    const ms = Date.now() - started
    assert.ok(r.json, r.stdout + r.stderr)
    assert.deepEqual(r.json.result.running.problem, {
      error: 'timeout',
      message: 'http://slow.nc-test:19999/api/v1/info: no answer in 2000 ms',
      ok: false,
      url: 'http://slow.nc-test:19999/api/v1/info',
    })
    assert.ok(ms < 4000, `status ran ${ms} ms with --timeout 2000 (a lookup left in this process would hold it ~10 s)`)
  })
})
