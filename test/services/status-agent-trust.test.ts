// Issue 17 (trust): the node is claimed but the agent is not online → status connects to the cloud URL (the emulator
// on loopback, whose CA the agent may not have) and checks the served chain with what the agent trusts: SSL_CERT_FILE
// of its service environment for the ACLK; cloud.d/trusted.pem (v2) for a pending claim. Not trusted → tls (23).
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {join} from 'node:path'
import {after, before, test} from 'node:test'

import {discoverInstall} from '../../src/agent/install.js'
import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {EXIT} from '../../src/base/errors.js'
import {CERT_DIR_LIMITS, readCertDirs} from '../../src/services/link.js'
import {getStatus, statusExitCode} from '../../src/services/status.js'
import {renderStatus} from '../../src/ui/status.js'
import {fakeNode} from '../helpers/fake-node.js'
import {claimedNode, hashedDir} from '../helpers/trust-node.js'

const {default: Ajv} = (await import('ajv')) as any
const validate = new Ajv({allErrors: true, strict: false}).compile(
  JSON.parse(readFileSync(new URL('../../schemas/status.json', import.meta.url), 'utf8')),
)

let emulator: Emulator
/** another emulator: its CA is one the agent has, but not the one that signed the first emulator's chain */
let other: Emulator
const servers: Server[] = []
before(async () => {
  ;[emulator, other] = await Promise.all([startEmulator(), startEmulator()])
})
after(async () => {
  for (const s of servers) s.close()
  await Promise.all([emulator?.close(), other?.close()])
})

const claimed = (caPem?: string, options?: Parameters<typeof claimedNode>[3]) =>
  claimedNode(emulator.port, servers, caPem, options)

test("claimed, agent offline, its SSL_CERT_FILE lacks the emulator's CA → tls (23): the agent will not trust this chain", async () => {
  const {install, sys} = await claimed(other.caPem)
  const s = await getStatus(install, {systemRoot: sys, timeoutMs: 2000})
  assert.equal(s.tlsTrust?.step, 'aclk')
  assert.equal(s.tlsTrust?.trusted, false, JSON.stringify(s.tlsTrust))
  assert.equal(s.tlsTrust?.target, `127.0.0.1:${emulator.port}`)
  assert.equal(s.tlsTrust?.certificates, 1)
  assert.equal(s.verdict.code, 'tls', JSON.stringify(s.verdict))
  assert.equal(statusExitCode(s), 23)
  assert.match(
    s.verdict.message,
    /the agent will not trust this chain: .*SSL_CERT_FILE=.*ca\.pem \(the agent's environment\)/,
  )
  assert.match(s.verdict.fix ?? '', /SSL_CERT_FILE=<ca\.pem> in its service environment/)
  assert.match(renderStatus(s), /the agent will not trust this chain/)
  const json = JSON.stringify(s) // what --json prints as result
  assert.ok(validate(JSON.parse(json)), JSON.stringify(validate.errors))
  assert.ok(!validate({...JSON.parse(json), tlsTrust: {...s.tlsTrust, trusted: 'no'}}), 'the schema checks tlsTrust')
  assert.match(renderStatus(s), /Agent trust +127\.0\.0\.1:\d+ \(ACLK\): NOT trusted by SSL_CERT_FILE=/)
})

test("claimed, agent offline, its SSL_CERT_FILE holds the emulator's CA → trusted, the verdict stays notLinked (28)", async () => {
  const {install, sys} = await claimed(emulator.caPem)
  const s = await getStatus(install, {systemRoot: sys, timeoutMs: 2000})
  assert.equal(s.tlsTrust?.trusted, true, JSON.stringify(s.tlsTrust))
  assert.equal(s.verdict.code, 'notLinked', JSON.stringify(s.verdict))
  assert.equal(statusExitCode(s), 28)
  assert.ok(!s.findings.some(f => /will not trust/.test(f.message)))
})

test('nothing listens at the cloud URL → no verdict from the trust check (trusted null), within --timeout', async () => {
  const {install, sys} = await claimed(other.caPem)
  const closed = await startEmulator()
  const {port} = closed
  await closed.close()
  writeFileSync(
    join(install.libDir, 'cloud.d/cloud.conf'),
    `[global]\n    cloud base url = https://127.0.0.1:${port}\n`,
  )
  const started = Date.now()
  const s = await getStatus(install, {systemRoot: sys, timeoutMs: 1000})
  assert.ok(Date.now() - started < 3000)
  assert.equal(s.tlsTrust?.trusted, null)
  assert.match(s.tlsTrust?.detail ?? '', /no TCP connection to 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/)
  assert.equal(s.verdict.code, 'notLinked')
})

test("v2 pending claim: cloud.d/trusted.pem without the emulator's CA → tls (23); with it → notClaimed", async () => {
  const node = fakeNode('v2-v2.11.0.txt', 'v2.11.0')
  writeFileSync(
    join(node.configDir, 'claim.conf'),
    `[global]\n    url = https://127.0.0.1:${emulator.port}\n    token = tok-Pending-0123456789\n    rooms = room-1\n`,
    {mode: 0o640},
  )
  mkdirSync(join(node.libDir, 'cloud.d'))
  writeFileSync(join(node.libDir, 'cloud.d/trusted.pem'), other.caPem)
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    if (req.url === '/api/v1/info')
      res.end(JSON.stringify({'agent-claimed': false, 'cloud-available': true, version: 'v2.11.0'}))
    else if (req.url === '/api/v3/info')
      res.end(
        JSON.stringify({
          agents: [{cloud: {reason: 'SSL peer certificate or SSH remote key was not OK', status: 'available'}}],
        }),
      )
    else res.end('{}')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  const sys = mkdtempSync('/tmp/nc-trust-sys.')
  mkdirSync(join(sys, 'proc'))
  const install = discoverInstall({
    agentUrl: `http://127.0.0.1:${(server.address() as {port: number}).port}`,
    configDir: node.configDir,
    env: {},
    libDir: node.libDir,
    netdata: node.netdata,
  })
  const s = await getStatus(install, {systemRoot: sys, timeoutMs: 2000})
  assert.equal(s.tlsTrust?.step, 'claim')
  assert.equal(s.tlsTrust?.trusted, false, JSON.stringify(s.tlsTrust))
  assert.match(s.tlsTrust?.trust ?? '', /cloud\.d\/trusted\.pem \(what the agent's own claim trusts\)/)
  assert.equal(s.verdict.code, 'tls', JSON.stringify(s.verdict))
  assert.match(s.verdict.message, /^not claimed yet: a claim is pending .*the agent will not trust this chain/)

  writeFileSync(join(node.libDir, 'cloud.d/trusted.pem'), emulator.caPem)
  const s2 = await getStatus(install, {systemRoot: sys, timeoutMs: 2000})
  assert.equal(s2.tlsTrust?.trusted, true, JSON.stringify(s2.tlsTrust))
  assert.equal(s2.verdict.code, 'notClaimed')

  // a self-signed leaf: not trusted (tls) unless cloud.conf insecure = yes, which v2's claim honours for it only
  emulator.setFaults(['self-signed'])
  try {
    const s3 = await getStatus(install, {systemRoot: sys, timeoutMs: 2000})
    assert.equal(s3.tlsTrust?.selfSigned, true, JSON.stringify(s3.tlsTrust))
    assert.equal(s3.verdict.code, 'tls', JSON.stringify(s3.verdict))
    writeFileSync(join(node.libDir, 'cloud.d/cloud.conf'), '[global]\n    insecure = yes\n')
    const s4 = await getStatus(install, {systemRoot: sys, timeoutMs: 2000})
    assert.equal(s4.tlsTrust?.insecure, true, JSON.stringify(s4.tlsTrust))
    assert.equal(s4.verdict.code, 'notClaimed', JSON.stringify(s4.verdict))
    assert.ok(s4.findings.some(f => /insecure = yes accepts it: the leaf is self-signed/.test(f.message)))
  } finally {
    emulator.setFaults([])
  }
})

test("SSL_CERT_DIR holds the emulator's CA (its SSL_CERT_FILE does not) → trusted: OpenSSL uses both", async () => {
  const dir = mkdtempSync('/tmp/nc-trust-dir.')
  hashedDir(dir, [emulator.caPem])
  const {install, sys} = await claimed(other.caPem, {environment: [`SSL_CERT_DIR=${dir}`]})
  const s = await getStatus(install, {systemRoot: sys, timeoutMs: 2000})
  assert.equal(s.tlsTrust?.trusted, true, JSON.stringify(s.tlsTrust))
  assert.equal(s.tlsTrust?.certificates, 2)
  assert.match(
    s.tlsTrust?.trust ?? '',
    new RegExp(`SSL_CERT_FILE=.*ca\\.pem .* \\+ SSL_CERT_DIR=${dir} \\(1 certificate\\)`),
  )
  assert.equal(s.verdict.code, 'notLinked', JSON.stringify(s.verdict))
})

test('SSL_CERT_DIR without the CA, no SSL_CERT_FILE, no system store → tls (23), naming the directory', async () => {
  const dir = hashedDir(mkdtempSync('/tmp/nc-trust-dir.'), [other.caPem])
  const {install, sys} = await claimed(undefined, {environment: [`SSL_CERT_DIR=/nonexistent-dir:${dir}`]})
  const s = await getStatus(install, {systemRoot: sys, timeoutMs: 2000})
  assert.equal(s.tlsTrust?.trusted, false, JSON.stringify(s.tlsTrust))
  assert.equal(s.tlsTrust?.trust, `SSL_CERT_DIR=/nonexistent-dir:${dir} (1 certificate)`)
  assert.equal(statusExitCode(s), 23)
  assert.match(s.verdict.message, /the agent will not trust this chain: .*verifies with SSL_CERT_DIR=/)
})

test('neither set: the system directory (<hash>.N only; links followed to regular files; size-capped) is read', async () => {
  const {install, sys} = await claimed()
  const certs = join(sys, 'etc/ssl/certs')
  const elsewhere = mkdtempSync('/tmp/nc-trust-ca.')
  writeFileSync(join(elsewhere, 'emulator.pem'), emulator.caPem)
  mkdirSync(certs, {recursive: true})
  const hash = (pem: string) => execFileSync('openssl', ['x509', '-noout', '-subject_hash'], {input: pem}).toString()
  symlinkSync(join(elsewhere, 'emulator.pem'), join(certs, `${hash(emulator.caPem).trim()}.0`)) // as Debian's links
  writeFileSync(join(certs, 'other.pem'), other.caPem) // not a hash name: OpenSSL never looks it up
  mkdirSync(join(certs, 'abcdef01.0')) // not a regular file
  writeFileSync(join(certs, 'abcdef02.0'), 'x'.repeat(CERT_DIR_LIMITS.fileBytes + 1)) // over the cap
  symlinkSync('/nonexistent', join(certs, 'abcdef03.0')) // a dangling link
  const s = await getStatus(install, {systemRoot: sys, timeoutMs: 2000})
  assert.equal(s.tlsTrust?.trusted, true, JSON.stringify(s.tlsTrust))
  assert.equal(s.tlsTrust?.certificates, 1)
  assert.equal(s.tlsTrust?.trust, `the system directory ${certs} (1 certificate, 3 skipped)`)

  // the system bundle too: the same CA in both counts once
  writeFileSync(join(certs, 'ca-certificates.crt'), `${other.caPem}\n${emulator.caPem}`)
  const s2 = await getStatus(install, {systemRoot: sys, timeoutMs: 2000})
  assert.equal(s2.tlsTrust?.certificates, 2, JSON.stringify(s2.tlsTrust))
  assert.match(
    s2.tlsTrust?.trust ?? '',
    /^the system store .*ca-certificates\.crt \+ the system directory .* \(1 certificate, 0 not in the file, 3 skipped\)$/,
  )
})

test('readCertDirs stops at the file cap and says so', () => {
  const dir = mkdtempSync('/tmp/nc-trust-cap.')
  for (let i = 0; i <= CERT_DIR_LIMITS.files; i++) writeFileSync(join(dir, `${i.toString(16).padStart(8, '0')}.0`), '')
  const r = readCertDirs([dir])
  assert.equal(r.files, CERT_DIR_LIMITS.files)
  assert.equal(r.capped, true)
  assert.equal(r.pems.length, 0)
})

test("the agent's proxy does not answer → the check says so (failure proxy, exit proxy), not untrusted; password hidden", async () => {
  const closed = await startEmulator()
  const {port} = closed
  await closed.close()
  const {install, sys} = await claimed(other.caPem, {proxy: `http://user:s3cret-pw@127.0.0.1:${port}`})
  const started = Date.now()
  const s = await getStatus(install, {systemRoot: sys, timeoutMs: 1500})
  assert.ok(Date.now() - started < 4000)
  assert.equal(s.tlsTrust?.trusted, null, JSON.stringify(s.tlsTrust))
  assert.equal(s.tlsTrust?.failure, 'proxy')
  assert.deepEqual(s.tlsTrust?.proxy, {display: `http://user:****@127.0.0.1:${port}`, source: 'netdata.conf:2'})
  assert.match(
    s.tlsTrust?.detail ?? '',
    /^proxy http:\/\/user:\*\*\*\*@127\.0\.0\.1:\d+: no TCP connection to 127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/,
  )
  assert.equal(s.verdict.code, 'proxy', JSON.stringify(s.verdict))
  assert.equal(statusExitCode(s), EXIT.proxy)
  assert.match(
    s.verdict.message,
    /the agent's ACLK goes through http:\/\/user:\*\*\*\*@127\.0\.0\.1:\d+, which does not let it through/,
  )
  assert.ok(!s.findings.some(f => /will not trust/.test(f.message)))
  const json = JSON.stringify(s)
  assert.doesNotMatch(json, /s3cret-pw/)
  assert.doesNotMatch(renderStatus(s), /s3cret-pw/)
  assert.ok(validate(JSON.parse(json)), JSON.stringify(validate.errors))
})

test('claimed, agent offline, the cloud serves an expired certificate its CA signed → tls (23) with the server Date, as link says', async () => {
  const {install, sys} = await claimed(emulator.caPem)
  emulator.setFaults(['expired-cert'])
  try {
    const s = await getStatus(install, {systemRoot: sys, timeoutMs: 3000})
    assert.equal(s.tlsTrust?.trusted, true, 'the issuer is trusted: only the dates are wrong')
    assert.equal(s.tlsTrust?.certificateTime?.code, 'tls', JSON.stringify(s.tlsTrust))
    assert.match(s.tlsTrust.certificateTime.detail, /the certificate is expired \(valid to .*\); server Date .* agrees/)
    assert.equal(s.verdict.code, 'tls', JSON.stringify(s.verdict))
    assert.match(
      s.verdict.message,
      /the agent will refuse this certificate: 127\.0\.0\.1:\d+: the certificate is expired/,
    )
  } finally {
    emulator.setFaults([])
  }
})
