// A claimed v1.40 node whose agent API says offline and whose cloud URL is an emulator on loopback, with a system root
// (/etc, /proc) of its own: what status's trust check (the chain with what the agent trusts) runs against.
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {join} from 'node:path'

import {discoverInstall} from '../../src/agent/install.js'
import {CLAIM_ID, claimNode, fakeNode} from './fake-node.js'

/** A stand-in for the running agent's API: /api/v1/info and /api/v1/aclk answer these; closed by the caller. */
export async function agentApi(
  servers: Server[],
  info: Record<string, unknown>,
  aclk: Record<string, unknown>,
): Promise<string> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    if (req.url === '/api/v1/info') res.end(JSON.stringify(info))
    else if (req.url === '/api/v1/aclk') res.end(JSON.stringify(aclk))
    else {
      res.statusCode = 404
      res.end('{}')
    }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  return `http://127.0.0.1:${(server.address() as {port: number}).port}`
}

/** an agent API (v1.40 unless told) that is claimed with CLAIM_ID and says online: false (no reason) */
export function offlineAgent(servers: Server[], version = 'v1.40.0'): Promise<string> {
  return agentApi(
    servers,
    {
      'agent-claimed': true,
      'aclk-available': false,
      'cloud-available': true,
      'cloud-enabled': true,
      version,
    },
    {'agent-claimed': true, 'claimed-id': CLAIM_ID, online: false},
  )
}

/**
 * A claimed v1.40 (or `v2`: v2.11.0) node whose cloud.conf names https://127.0.0.1:PORT, and a system root whose unit sets
 * SSL_CERT_FILE=ca (when `caPem` is given) and the other `environment` lines; `proxy`: netdata.conf [cloud] proxy.
 */
export async function claimedNode(
  port: number,
  servers: Server[],
  caPem: string | undefined,
  options: {environment?: string[]; proxy?: string; v2?: boolean} = {},
) {
  const version = options.v2 ? 'v2.11.0' : 'v1.40.0'
  const node = fakeNode(options.v2 ? 'v2-v2.11.0.txt' : 'D-v1.40.0.txt', version)
  claimNode(node.root)
  const urlKey = options.v2 ? 'url' : 'cloud base url'
  writeFileSync(join(node.libDir, 'cloud.d/cloud.conf'), `[global]\n    ${urlKey} = https://127.0.0.1:${port}\n`)
  if (options.proxy) writeFileSync(join(node.configDir, 'netdata.conf'), `[cloud]\n    proxy = ${options.proxy}\n`)
  const sys = mkdtempSync('/tmp/nc-trust-sys.')
  mkdirSync(join(sys, 'etc/systemd/system/netdata.service.d'), {recursive: true})
  mkdirSync(join(sys, 'proc'))
  const environment = [...(options.environment ?? [])]
  if (caPem !== undefined) {
    writeFileSync(join(sys, 'ca.pem'), caPem)
    environment.unshift(`SSL_CERT_FILE=${join(sys, 'ca.pem')}`)
  }

  writeFileSync(
    join(sys, 'etc/systemd/system/netdata.service.d/override.conf'),
    `[Service]\n${environment.map(e => `Environment=${e}\n`).join('')}`,
  )
  const install = discoverInstall({
    agentUrl: await offlineAgent(servers, version),
    configDir: node.configDir,
    env: {},
    libDir: node.libDir,
    netdata: node.netdata,
  })
  return {install, sys}
}

/** An OpenSSL hashed directory: each PEM under its `<subject hash>.0` name (what `openssl rehash` makes). */
export function hashedDir(dir: string, pems: string[]): string {
  mkdirSync(dir, {recursive: true})
  for (const pem of pems) {
    const hash = execFileSync('openssl', ['x509', '-noout', '-subject_hash'], {input: pem}).toString().trim()
    writeFileSync(join(dir, `${hash}.0`), pem)
  }

  return dir
}
