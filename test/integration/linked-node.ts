// Shared set-up for the link tests that walk a node's own settings to an emulator: a claimed v1 node's files and a
// stand-in for the running agent's API.
import {generateKeyPairSync, randomUUID} from 'node:crypto'
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {join} from 'node:path'

import type {Emulator} from '../../src/emulator/index.js'

/**
 * Under `dir`: etc/netdata.conf (proxy none) and lib/cloud.d with a real RSA-2048 key pair, a random claimed_id and a
 * cloud.conf pointing at the emulator, where the node is registered as claimed; `dir/netdata` stands in for a build
 * with Cloud (it prints a v1.37-era buildinfo with `Netdata Cloud: YES`: Debian's own binary is built without it).
 */
export function makeClaimedNode(dir: string, emulator: Emulator): {claimId: string} {
  mkdirSync(join(dir, 'etc'))
  mkdirSync(join(dir, 'lib/cloud.d'), {recursive: true})
  const claimId = randomUUID()
  const {privateKey, publicKey} = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: {format: 'pem', type: 'pkcs8'},
    publicKeyEncoding: {format: 'pem', type: 'spki'},
  })
  writeFileSync(join(dir, 'lib/cloud.d/private.pem'), privateKey, {mode: 0o600})
  writeFileSync(join(dir, 'lib/cloud.d/public.pem'), publicKey)
  writeFileSync(join(dir, 'lib/cloud.d/claimed_id'), claimId)
  writeFileSync(
    join(dir, 'lib/cloud.d/cloud.conf'),
    `[global]\n    enabled = yes\n    cloud base url = ${emulator.url}\n`,
  )
  writeFileSync(join(dir, 'etc/netdata.conf'), '[cloud]\n    proxy = none\n')
  const buildinfo = readFileSync(new URL('../fixtures/buildinfo/D-v1.40.0.txt', import.meta.url), 'utf8')
  writeFileSync(join(dir, 'buildinfo.txt'), buildinfo.replace('netdata v1.40.0', 'netdata v1.37.1'))
  writeFileSync(
    join(dir, 'netdata'),
    `#!/bin/sh\nif [ "$1" = "-v" ]; then echo "netdata v1.37.1"; exit 0; fi\ncat "${dir}/buildinfo.txt"\n`,
  )
  chmodSync(join(dir, 'netdata'), 0o755)
  emulator.registerNode(claimId, publicKey)
  return {claimId}
}

/**
 * The running agent's API on a free loopback port (v1.37.1, claimed with `claimId`), online when `online()` says so.
 */
export async function startAgentApi(claimId: string, online: () => boolean): Promise<Server> {
  const agent = createServer((req, res) => {
    res.setHeader('content-type', 'application/json')
    if (req.url === '/api/v1/info')
      res.end(
        JSON.stringify({
          'agent-claimed': true,
          'aclk-available': online(),
          'cloud-available': true,
          'cloud-enabled': true,
          version: 'v1.37.1',
        }),
      )
    else if (req.url === '/api/v1/aclk')
      res.end(JSON.stringify({'agent-claimed': true, 'claimed-id': claimId, online: online()}))
    else {
      res.statusCode = 404
      res.end('{}')
    }
  })
  await new Promise<void>(resolve => agent.listen(0, '127.0.0.1', resolve))
  return agent
}
