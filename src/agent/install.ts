// Find the agent the way its own scripts do (kickstart `write_claim_config`, netdata-facts.md §8):
// native (/usr/sbin/netdata, /etc/netdata, /var/lib/netdata), static (/opt/netdata/...), a manual
// `--install-prefix P` tree (P/netdata/...), or what the flags / NETDATA_CLOUD_* variables say. Flags win.

import {accessSync, constants, existsSync, statSync} from 'node:fs'
import {delimiter, dirname, join} from 'node:path'

import {UserError} from '../base/errors.js'
import {readConfigFile} from '../config/read.js'
import type {ConfigDocument} from '../config/document.js'

export type InstallKind = 'custom' | 'manual' | 'native' | 'static'
export type Source = 'default' | 'detected' | 'env' | 'flag' | 'netdata.conf'

export interface InstallOptions {
  prefix?: string
  netdata?: string
  configDir?: string
  libDir?: string
  agentUrl?: string
  env?: NodeJS.ProcessEnv
}

export interface Install {
  /** false when no binary, config dir or state dir of an agent exists */
  found: boolean
  kind: InstallKind
  /** the install root: `/`, `/opt/netdata`, or P/netdata */
  root: string
  netdata: null | string
  netdatacli: null | string
  claimScript: null | string
  configDir: string
  libDir: string
  netdataConfPath: string
  /** parsed netdata.conf, null when the file does not exist */
  netdataConf: ConfigDocument | null
  runAsUser: string
  agentUrl: string
  /** where each value came from */
  sources: Record<'agentUrl' | 'configDir' | 'libDir' | 'netdata' | 'root' | 'runAsUser', Source>
  notes: string[]
}

export const DEFAULT_AGENT_URL = 'http://127.0.0.1:19999'

interface Layout {
  kind: InstallKind
  root: string
  sbin: string
  configDir: string
  libDir: string
}

function layoutFor(root: string): Layout {
  if (root === '/' || root === '')
    return {
      configDir: '/etc/netdata',
      kind: 'native',
      libDir: '/var/lib/netdata',
      root: '/',
      sbin: '/usr/sbin',
    }
  // /opt/netdata is the static layout (bin/netdata), unless it is an `--install-prefix /opt` tree (usr/sbin/netdata,
  // as the v2.11.0 Cloud build of shared/real-agent is): then it is laid out like a manual install
  if (
    existsSync(join(root, 'bin/netdata')) ||
    (root.replace(/\/+$/, '') === '/opt/netdata' && !existsSync(join(root, 'usr/sbin/netdata')))
  ) {
    return {
      configDir: join(root, 'etc/netdata'),
      kind: 'static',
      libDir: join(root, 'var/lib/netdata'),
      root,
      sbin: join(root, 'bin'),
    }
  }

  const r = existsSync(join(root, 'netdata')) ? join(root, 'netdata') : root
  return {
    configDir: join(r, 'etc/netdata'),
    kind: 'manual',
    libDir: join(r, 'var/lib/netdata'),
    root: r,
    sbin: join(r, 'usr/sbin'),
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): null | string {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name)
  }

  return null
}

export function discoverInstall(options: InstallOptions = {}): Install {
  const env = options.env ?? process.env
  const pick = (flag: string | undefined, name: string): [string | undefined, Source] =>
    flag
      ? [flag, 'flag']
      : env[`NETDATA_CLOUD_${name}`]
        ? [env[`NETDATA_CLOUD_${name}`], 'env']
        : [undefined, 'detected']
  const notes: string[] = []

  const [prefix, prefixSource] = pick(options.prefix, 'PREFIX')
  const [netdataFlag, netdataSource] = pick(options.netdata, 'NETDATA')
  if (netdataFlag && !executable(netdataFlag)) {
    throw new UserError('badInput', `--netdata ${netdataFlag}: no executable file there`, {
      fix: 'give the path of the netdata binary, e.g. /usr/sbin/netdata',
    })
  }

  let layout: Layout
  let rootSource: Source = prefixSource
  if (prefix) {
    if (!existsSync(prefix)) throw new UserError('badInput', `--prefix ${prefix}: no such directory`)
    layout = layoutFor(prefix)
  } else if (netdataFlag) {
    const dir = dirname(netdataFlag)
    layout = dir.endsWith('/opt/netdata/bin')
      ? layoutFor(dirname(dir))
      : dir.endsWith('/usr/sbin') && dir !== '/usr/sbin'
        ? layoutFor(dirname(dirname(dir)))
        : layoutFor('/')
    rootSource = 'detected'
  } else {
    const staticBin = executable('/opt/netdata/bin/netdata')
    const nativeBin = executable('/usr/sbin/netdata')
    layout = layoutFor(staticBin && !nativeBin ? '/opt/netdata' : '/')
    if (staticBin && nativeBin)
      notes.push(
        'both a native (/usr/sbin/netdata) and a static (/opt/netdata) agent are installed; using the native one (pass --prefix /opt/netdata for the other)',
      )
    rootSource = 'detected'
  }

  const netdata =
    netdataFlag ??
    (executable(join(layout.sbin, 'netdata'))
      ? join(layout.sbin, 'netdata')
      : layout.kind === 'native'
        ? onPath('netdata', env)
        : null)
  const binDir = netdata ? dirname(netdata) : layout.sbin
  const beside = (name: string) =>
    executable(join(binDir, name)) ? join(binDir, name) : layout.kind === 'native' ? onPath(name, env) : null

  const [configFlag, configSource] = pick(options.configDir, 'CONFIG_DIR')
  const configDir = configFlag ?? layout.configDir
  const netdataConfPath = join(configDir, 'netdata.conf')
  const conf = readConfigFile(netdataConfPath)
  const runAs = conf?.doc.get('global', 'run as user')?.value

  const [libFlag, libSource] = pick(options.libDir, 'LIB_DIR')
  const libDir = libFlag ?? layout.libDir

  const [agentUrlFlag, agentUrlSource] = pick(options.agentUrl, 'AGENT_URL')
  const agentUrl = agentUrlFlag ?? DEFAULT_AGENT_URL
  try {
    const u = new URL(agentUrl)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http')
  } catch {
    throw new UserError('badInput', `--agent-url ${agentUrl}: not an http:// or https:// URL`, {
      fix: 'e.g. --agent-url http://127.0.0.1:19999',
    })
  }

  const found = Boolean(netdata) || existsSync(configDir) || existsSync(libDir)
  return {
    agentUrl,
    claimScript: beside('netdata-claim.sh'),
    configDir,
    found,
    kind:
      prefix || netdataFlag || configFlag || libFlag ? (prefix || netdataFlag ? layout.kind : 'custom') : layout.kind,
    libDir,
    netdata,
    netdataConf: conf?.doc ?? null,
    netdataConfPath,
    netdatacli: beside('netdatacli'),
    notes,
    root: layout.root,
    runAsUser: runAs || 'netdata',
    sources: {
      agentUrl: agentUrlFlag ? agentUrlSource : 'default',
      configDir: configFlag ? configSource : rootSource,
      libDir: libFlag ? libSource : rootSource,
      netdata: netdataFlag ? netdataSource : 'detected',
      root: rootSource,
      runAsUser: runAs ? 'netdata.conf' : 'default',
    },
  }
}

/** Throw the "no agent" error every command shares. */
export function requireInstall(install: Install): Install {
  if (!install.found) {
    throw new UserError(
      'noAgent',
      `no Netdata Agent found (looked for ${join(install.root === '/' ? '/usr/sbin' : install.root, 'netdata')}, ${install.configDir}, ${install.libDir})`,
      {
        fix: 'install the agent, or point to it with --prefix, --netdata, --config-dir and --lib-dir',
      },
    )
  }

  return install
}
