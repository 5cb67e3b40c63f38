// The agent build's own word on Cloud support (`netdata -W buildinfo`), shared by `status` and `link`: a build without
// ACLK cannot link, whatever the files say, and the fix names how to reinstall with Cloud for the install type found.

import {type Buildinfo, parseBuildinfo} from '../agent/buildinfo.js'
import type {Install} from '../agent/install.js'
import {runBinary} from '../agent/run-binary.js'

/** `netdata -W buildinfo` of the install's binary (and `-v` when the text has no version); null when unknown. */
export async function readBuild(install: Install, timeoutMs?: number): Promise<Buildinfo | null> {
  if (!install.netdata) return null
  const text = await runBinary(install.netdata, ['-W', 'buildinfo'], timeoutMs ? {timeoutMs} : {})
  if (text.exitCode !== 0 || text.failed) return null
  try {
    const b = parseBuildinfo(text.stdout, `${install.netdata} -W buildinfo`)
    // every era's text carries the version; ask `-v` only when it does not (one process less on the common path)
    if (!b.version) b.version = /netdata (v\S+)/.exec((await runBinary(install.netdata, ['-v'])).stdout)?.[1] ?? null
    return b
  } catch {
    return null
  }
}

const KICKSTART = 'curl -fsSLo /tmp/kickstart.sh https://get.netdata.cloud/kickstart.sh && sh /tmp/kickstart.sh'

/** How to get a build with Cloud for this install type (the seed's `--require-cloud`). */
export function reinstallWithCloud(build: Buildinfo, install: Install): string {
  const type = build.installType && build.installType !== 'unknown' ? build.installType : null
  if (type === 'oci') return 'use the netdata/netdata container image (built with Cloud) instead of this one'
  if (type?.startsWith('binpkg'))
    return `reinstall Netdata's own packages with Cloud: ${KICKSTART} --native-only --reinstall --require-cloud`
  if (type?.endsWith('-static') || install.kind === 'static')
    return `reinstall the static build with Cloud: ${KICKSTART} --static-only --reinstall --require-cloud`
  if (type?.endsWith('-build') || install.kind === 'manual' || install.kind === 'custom')
    return `rebuild without --disable-cloud: ${KICKSTART} --build-only --reinstall --require-cloud (or ./netdata-installer.sh --require-cloud)`
  // no .install-type and a /usr prefix: a distribution's package (Debian's netdata is built --disable-cloud)
  const distro = build.configureOptions.includes('--prefix=/usr') || install.kind === 'native'
  return distro
    ? `this is a distribution package built without Cloud: remove it (e.g. apt purge netdata) and install Netdata's own: ${KICKSTART} --require-cloud`
    : `reinstall with Cloud: ${KICKSTART} --reinstall --require-cloud`
}

/** null when the build can link; otherwise why not and the fix. */
export function noAclk(build: Buildinfo | null, install: Install): null | {message: string; fix: string} {
  if (!build || build.cloud.support === 'yes') return null
  const message =
    build.cloud.support === 'no-by-user-request'
      ? `this build has no ACLK: it was built with --disable-cloud (${install.netdata} -W buildinfo: Netdata Cloud ${build.cloud.raw})`
      : `this build has no ACLK (${build.cloud.reason ?? 'cloud support not compiled in'}; ${install.netdata} -W buildinfo: Netdata Cloud ${build.cloud.raw})`
  return {fix: reinstallWithCloud(build, install), message}
}
