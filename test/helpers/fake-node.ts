// A node's files in a temp tree with a stand-in `netdata` binary that prints a fixture buildinfo (Debian ships only
// 1.37.1, built without cloud), and optionally a claimed identity owned by the agent user.
import {generateKeyPairSync} from 'node:crypto'
import {chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {lookupUser} from '../../src/agent/accounts.js'

export interface FakeNode {
  root: string
  netdata: string
  configDir: string
  libDir: string
  /** the flags that point the CLI at this tree */
  flags: string[]
}

export function fakeNode(fixture: string, version: string, options: {script?: string} = {}): FakeNode {
  const root = mkdtempSync('/tmp/nc-defects.')
  const text = readFileSync(new URL(`../fixtures/buildinfo/${fixture}`, import.meta.url), 'utf8')
  writeFileSync(join(root, 'buildinfo.txt'), text)
  writeFileSync(
    join(root, 'netdata'),
    `#!/bin/sh\n${options.script ?? ''}if [ "$1" = "-v" ]; then echo "netdata ${version}"; exit 0; fi\ncat "${root}/buildinfo.txt"\n`,
  )
  chmodSync(join(root, 'netdata'), 0o755)
  mkdirSync(join(root, 'etc'))
  mkdirSync(join(root, 'lib'))
  const n = {configDir: join(root, 'etc'), libDir: join(root, 'lib'), netdata: join(root, 'netdata'), root}
  return {...n, flags: ['--netdata', n.netdata, '--config-dir', n.configDir, '--lib-dir', n.libDir]}
}

export const CLAIM_ID = '4f0c6a52-1b3e-4b6f-9d62-5a3c1f0e7b11'

export function claimNode(root: string, claimId = CLAIM_ID): string {
  const user = lookupUser('netdata')!
  const dir = join(root, 'lib/cloud.d')
  mkdirSync(dir, {recursive: true})
  writeFileSync(join(dir, 'claimed_id'), claimId)
  const a = generateKeyPairSync('rsa', {modulusLength: 2048})
  writeFileSync(join(dir, 'private.pem'), a.privateKey.export({format: 'pem', type: 'pkcs8'}), {mode: 0o600})
  writeFileSync(join(dir, 'public.pem'), a.publicKey.export({format: 'pem', type: 'spki'}))
  chownSync(dir, user.uid, user.gid)
  for (const f of readdirSync(dir)) chownSync(join(dir, f), user.uid, user.gid)
  return claimId
}
