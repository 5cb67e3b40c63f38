// Shared set-up for the claim integration tests: the built CLI run asynchronously (the emulator lives in this
// process, so a blocking spawnSync would starve it), and a throw-away agent layout with real owners.
import {chownSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {lookupUser} from '../../src/agent/accounts.js'
import {type CliRun, ROOT, runCliAsync, type RunOptions} from '../helpers/cli.js'

export type Run = CliRun

export function cli(args: string[], options: RunOptions = {}): Promise<Run> {
  return runCliAsync(args, options)
}

export const FIXTURES = join(ROOT, 'test/fixtures/buildinfo')
export const V1 = join(FIXTURES, 'D-v1.40.0.txt')
export const V147 = join(ROOT, 'test/fixtures/claim/E-v1.47.0-cloud.txt')
export const V2 = join(FIXTURES, 'v2-v2.11.0.txt')
export const DEBIAN = join(FIXTURES, 'D-v1.37.1-debian.txt')

export interface Layout {
  dir: string
  etc: string
  lib: string
  cloudDir: string
  tokenFile: string
  /** the global flags that point the CLI at this layout */
  flags: string[]
}

/** /tmp/X/{etc,lib} like a native install: lib owned by netdata (as the package does), etc by root. */
export function makeLayout(token: string, guid = true): Layout {
  const user = lookupUser('netdata')!
  const dir = mkdtempSync('/tmp/nc-claim-it.')
  const etc = join(dir, 'etc')
  const lib = join(dir, 'lib')
  mkdirSync(etc)
  mkdirSync(join(lib, 'registry'), {recursive: true})
  writeFileSync(join(etc, 'netdata.conf'), '[global]\n\trun as user = netdata\n\thostname = claim-test-node\n')
  if (guid) writeFileSync(join(lib, 'registry/netdata.public.unique.id'), 'c0ffee00-1111-4222-8333-444455556666')
  for (const p of [lib, join(lib, 'registry')]) chownSync(p, user.uid, user.gid)
  const tokenFile = join(dir, 'token')
  writeFileSync(tokenFile, token + '\n', {mode: 0o600})
  return {
    cloudDir: join(lib, 'cloud.d'),
    dir,
    etc,
    flags: ['--config-dir', etc, '--lib-dir', lib],
    lib,
    tokenFile,
  }
}

/** Every file under a directory with its size, mode, owner and mtime: "nothing was written" is this, unchanged. */
export function snapshot(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e)
      const st = statSync(p)
      out.push(`${p} ${st.size} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${st.mtimeMs}`)
      if (st.isDirectory()) walk(p)
    }
  }

  walk(dir)
  return out
}
