// The refusals that need no network: a build without Cloud support, an agent too old, the wrong user.

import {join} from 'node:path'

import {lookupUser} from '../../agent/accounts.js'
import type {Install} from '../../agent/install.js'
import {UserError} from '../../base/errors.js'
import {compareVersions, parseVersion, type Version} from '../../base/version.js'
import type {FileOwner} from '../../config/write.js'
import {buildinfoFromAgent, buildinfoFromFile} from '../buildinfo.js'

export interface ClaimAgent {
  version: null | Version
  versionText: null | string
  v2: boolean
}

export async function examineBuild(options: {buildinfoFile?: string; install: Install}): Promise<ClaimAgent> {
  const build = options.buildinfoFile
    ? await buildinfoFromFile(options.buildinfoFile)
    : await buildinfoFromAgent(options.install)
  const versionText = build.version
  if (build.cloud.support !== 'yes') {
    throw new UserError(
      'noAclk',
      `this agent${versionText ? ` (netdata ${versionText})` : ''} was built without Netdata Cloud support${build.cloud.reason ? ` (${build.cloud.reason})` : ''}: it cannot be claimed`,
      {
        fix: "install a build with Netdata Cloud support (the static build or Netdata's own packages via kickstart.sh); distribution packages are often built with --disable-cloud",
        ref: build.source,
      },
    )
  }

  const version = versionText ? parseVersion(versionText) : null
  const v2 = build.era === 'v2' || (version !== null && version[0] >= 2)
  if (version && compareVersions(version, [1, 22, 0]) < 0) {
    throw new UserError(
      'unsupported',
      `netdata ${versionText} predates cloud.d claiming (v1.22): netdata-cloud cannot claim it`,
      {fix: 'upgrade the agent'},
    )
  }

  return {v2, version: version ?? (v2 ? [2, 0, 0] : null), versionText}
}

export function checkPermission(install: Install, needRoot: boolean): FileOwner | undefined {
  const euid = process.geteuid?.() ?? 0
  const user = lookupUser(install.runAsUser)
  if (euid === 0) return user ? {gid: user.gid, uid: user.uid} : undefined
  if (needRoot) {
    throw new UserError(
      'permission',
      `writing ${join(install.configDir, 'claim.conf')} needs root (it must be root:${install.runAsUser} 0640)`,
      {fix: 'run with sudo'},
    )
  }

  if (user && euid === user.uid) return undefined
  throw new UserError(
    'permission',
    `claiming must run as root or as the agent's user (${install.runAsUser}); this is uid ${euid}`,
    {
      fix: `run with sudo, or as ${install.runAsUser}`,
    },
  )
}
