// Where the agent of each era keeps its cloud files (netdata-facts.md §2.1, §2.3, §4.3, §8).
//
// v1.22–v1.47 read cloud.conf only from the COMPILED-IN varlib (`<varlib>/cloud.d/cloud.conf`), before
// `[directories]` is applied; `-c` and `[directories] lib` do not move it (measured on 1.37.1 with strace).
// v2.x honour netdata.conf `[directories] cloud.d` (default `<lib>/cloud.d`); claim.conf lives in the config dir.

import {join} from 'node:path'

import type {Install} from './install.js'
import {eraRules} from './era.js'
import type {Version} from '../base/version.js'

export interface CloudPaths {
  /** the cloud.d directory the agent uses */
  cloudDir: string
  /** the cloud.conf the agent really reads */
  cloudConf: string
  claimedId: string
  privateKey: string
  publicKey: string
  /** v2 only: claim.conf in the config dir */
  claimConf: string
  /** machine GUID */
  machineGuid: string
  /** places a user may have put a cloud.conf that this agent never reads */
  wrongPlaces: string[]
  /** how cloudDir was chosen, in words */
  why: string
}

export function cloudPaths(install: Install, version: null | Version): CloudPaths {
  const rules = eraRules(version)
  const dirs = install.netdataConf
  const libFromConf = dirs?.get('directories', 'lib')?.value
  let cloudDir: string
  let why: string
  if (rules.cloudDirFromConfig) {
    const fromConf = dirs?.get('directories', 'cloud.d')?.value
    cloudDir = fromConf || join(libFromConf || install.libDir, 'cloud.d')
    why = fromConf
      ? 'netdata.conf [directories] cloud.d'
      : libFromConf
        ? 'netdata.conf [directories] lib + /cloud.d'
        : `${install.sources.libDir} lib dir + /cloud.d`
  } else {
    cloudDir = join(install.libDir, 'cloud.d')
    why = 'v1 agents read the compiled-in state dir only ([directories] lib does not move cloud.conf)'
  }

  const cloudConf = join(cloudDir, 'cloud.conf')
  const wrong = new Set([
    join(install.configDir, 'claim.d', 'cloud.conf'),
    join(install.configDir, 'cloud.conf'),
    join(install.configDir, 'cloud.d', 'cloud.conf'),
  ])
  if (libFromConf && !rules.cloudDirFromConfig) wrong.add(join(libFromConf, 'cloud.d', 'cloud.conf'))
  wrong.delete(cloudConf)
  return {
    claimConf: join(install.configDir, 'claim.conf'),
    claimedId: join(cloudDir, 'claimed_id'),
    cloudConf,
    cloudDir,
    machineGuid: join(
      libFromConf && rules.cloudDirFromConfig ? libFromConf : install.libDir,
      'registry',
      'netdata.public.unique.id',
    ),
    privateKey: join(install.libDir, 'cloud.d', 'private.pem'), // even v2.11 loads the key from <varlib>/cloud.d (§2.1)
    publicKey: join(cloudDir, 'public.pem'),
    why,
    wrongPlaces: [...wrong],
  }
}
