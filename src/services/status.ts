// `status`: everything that decides whether this node reaches Netdata Cloud, and one verdict.
// install discovery → (buildinfo ‖ agent API) → files (cloud.conf, netdata.conf, cloud.d) → verdict.

import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {type AgentView, readAgentView} from '../agent/api.js'
import {type CloudSettings, readCloudSettings} from '../agent/cloud-settings.js'
import {redactUrl} from '../base/secrets.js'
import {type FileState, type Identity, readIdentity} from '../agent/identity.js'
import {type Install, requireInstall} from '../agent/install.js'
import {runBinary} from '../agent/run-binary.js'
import {maskValue, readServiceEnvironment, type ServiceEnvVar} from '../agent/service-env.js'
import {parseVersion, type Version} from '../base/version.js'
import {type Buildinfo, parseBuildinfo} from '../agent/buildinfo.js'
import {type ErrorCode, EXIT} from '../base/errors.js'

export type VerdictState = 'cannot-link' | 'linked' | 'not-linked' | 'offline-ok'

export interface Verdict {
  state: VerdictState
  /** failure class (exit-code table), `ok` when linked */
  code: ErrorCode
  message: string
  fix?: string
}

export interface Finding {
  level: 'fail' | 'warn'
  message: string
  fix?: string
}

export interface StatusReport {
  agent: {
    kind: Install['kind']
    root: string
    netdata: null | string
    configDir: string
    libDir: string
    runAsUser: string
    agentUrl: string
    sources: Install['sources']
    version: null | string
    era: string
  }
  build:
    | null
    | (Pick<Buildinfo, 'aclk' | 'era' | 'version'> & {
        support: Buildinfo['cloud']['support']
        reason?: string
        source: string
      })
  cloudConf: {
    path: string
    exists: boolean
    why: string
    enabled: CloudSettings['enabled']
    url: CloudSettings['url']
    proxy: CloudSettings['proxy']
    effectiveProxy: CloudSettings['effectiveProxy']
    misplaced: string[]
  }
  implementation: {
    configured: null | {value: string; line: number}
    default: null | string
    available: string[]
    eraRule: string
  }
  claim: {
    claimed: boolean
    claimId: null | string
    source: null | string
    cloudDir: FileState
    claimedIdFile: FileState
    privateKey: Identity['privateKey']
    publicKey: Identity['publicKey']
    keysMatch: boolean | null
    machineGuid: null | string
  }
  running: AgentView & {online: boolean | null; state?: string}
  /** cloud-related variables in the agent's service environment, secrets masked */
  serviceEnv: ServiceEnvVar[]
  findings: Finding[]
  verdict: Verdict
  offline: boolean
}

const IMPLEMENTATION_RULE = {
  honoured: 'v1.32 reads it once at start (restart after changing it)',
  ignored: 'before v1.30 there was only ACLK Legacy: the key does not exist',
  'legacy-ignored': 'v1.33–v1.36 always use ng; `legacy` is ignored with an error in the log',
  'not-read': 'v1.37+ do not read the key (ng is the only implementation)',
  'one-per-build': 'v1.30–v1.31 have one implementation per build; the key does not exist',
} as const

/** the service variables that change what the cloud link does (netdata-facts.md §4.3, §5.8, §5.9) */
const LINK_VARIABLES =
  /^(NETDATA_DISABLE_CLOUD|NETDATA_CLAIM_\w+|NETDATA_EXTRA_CLAIM_OPTS|https?_proxy|socks_proxy|no_proxy|SSL_CERT_(FILE|DIR))$/

async function statusBuildinfo(install: Install): Promise<Buildinfo | null> {
  if (!install.netdata) return null
  const text = await runBinary(install.netdata, ['-W', 'buildinfo'])
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

export async function getStatus(
  install: Install,
  options: {offline?: boolean; timeoutMs?: number} = {},
): Promise<StatusReport> {
  requireInstall(install)
  const [build, running] = await Promise.all([
    statusBuildinfo(install),
    options.offline
      ? Promise.resolve<AgentView>({reachable: false})
      : readAgentView(install.agentUrl, options.timeoutMs ?? 3000),
  ])
  const versionText = build?.version ?? running.version ?? null
  const version: null | Version = versionText ? parseVersion(versionText) : null
  // read once (units, drop-ins, /proc): real values resolve the proxy, masked ones are shown
  const revealed = readServiceEnvironment(install, {reveal: true})
  const agentEnv = Object.fromEntries(revealed.map(v => [v.name, v.value]))
  const serviceEnv = revealed
    .filter(v => LINK_VARIABLES.test(v.name))
    .map(v => ({...v, value: maskValue(v.name, v.value)}))
  const settings = readCloudSettings(install, version, agentEnv)
  const identity = readIdentity(settings.paths, {
    cloudConf: settings.cloudConf,
    v2: settings.rules.claim === 'claim.conf',
  })
  const findings: Finding[] = settings.warnings.map(message => ({level: 'warn', message}))
  for (const note of install.notes) findings.push({level: 'warn', message: note})
  for (const v of serviceEnv.filter(e => e.name.startsWith('NETDATA_CLAIM_'))) {
    findings.push({
      fix: `remove it from ${v.source} once the node is claimed`,
      level: 'warn',
      message: `${v.name} is set in the agent's environment (${v.source}): v2 agents claim from it at start`,
    })
  }

  const misplaced = settings.paths.wrongPlaces.filter(p => existsSync(p))
  for (const p of misplaced) {
    findings.push({
      fix: `move its settings to ${settings.paths.cloudConf}`,
      level: 'warn',
      message: `${p} exists, but this agent never reads it (it reads ${settings.paths.cloudConf})`,
    })
  }

  checkOwnership(install, identity, findings)
  if (settings.rules.claim === 'script') checkScriptGuid(install, identity, running, findings)

  const online = agentOnline(running)
  const implSetting = install.netdataConf?.get('cloud', 'aclk implementation')
  const report: StatusReport = {
    agent: {
      agentUrl: install.agentUrl,
      configDir: install.configDir,
      era: settings.rules.name + (version ? '' : ' (version unknown)'),
      kind: install.kind,
      libDir: install.libDir,
      netdata: install.netdata,
      root: install.root,
      runAsUser: install.runAsUser,
      sources: install.sources,
      version: versionText,
    },
    build: build
      ? {
          aclk: build.aclk,
          era: build.era,
          reason: build.cloud.reason,
          source: `${install.netdata} -W buildinfo`,
          support: build.cloud.support,
          version: build.version,
        }
      : null,
    claim: {
      claimed: identity.claimId.value !== null && !identity.claimId.problem,
      claimId: identity.claimId.value,
      claimedIdFile: identity.claimedIdFile,
      cloudDir: identity.cloudDir,
      keysMatch: identity.keysMatch,
      machineGuid: identity.machineGuid,
      privateKey: identity.privateKey,
      publicKey: identity.publicKey,
      source: identity.claimId.source,
    },
    cloudConf: {
      effectiveProxy: {
        ...settings.effectiveProxy,
        value: settings.effectiveProxy.value && redactUrl(settings.effectiveProxy.value),
      },
      enabled: settings.enabled,
      exists: settings.cloudConf !== null,
      misplaced,
      path: settings.paths.cloudConf,
      proxy: {...settings.proxy, value: redactUrl(settings.proxy.value)},
      url: settings.url,
      why: settings.paths.why,
    },
    findings,
    implementation: {
      available: build?.aclk.implementations ?? [],
      configured: implSetting ? {line: implSetting.line, value: implSetting.value} : null,
      default: build?.aclk.default ?? null,
      eraRule: IMPLEMENTATION_RULE[settings.rules.implementationKey],
    },
    offline: Boolean(options.offline),
    running: {...running, online, state: running.cloud?.status},
    serviceEnv,
    verdict: {code: 'ok', message: '', state: 'linked'},
  }
  report.verdict = decide(report, identity)
  return report
}

function agentOnline(view: AgentView): boolean | null {
  if (!view.reachable) return null
  if (view.cloud?.status) return view.cloud.status === 'online' || view.cloud.status === 'indirect'
  if (typeof view.aclk?.online === 'boolean') return view.aclk.online as boolean
  return view.info?.aclkAvailable === true
}

function checkOwnership(install: Install, identity: Identity, findings: Finding[]): void {
  const user = install.runAsUser
  const dir = identity.cloudDir
  if (dir.exists && dir.kind !== 'directory') {
    findings.push({
      fix: `remove it; the agent recreates ${dir.path} at start`,
      level: 'fail',
      message: `${dir.path} is not a directory (${dir.kind})`,
    })
    return
  }

  if (dir.exists && dir.owner !== user) {
    findings.push({
      fix: `chown -R ${user}:${user} ${dir.path}`,
      level: 'fail',
      message: `${dir.path} belongs to ${dir.owner}, not to the agent's user ${user}`,
    })
  }

  if (dir.exists && dir.mode && (Number.parseInt(dir.mode, 8) & 0o002) !== 0) {
    findings.push({
      fix: `chmod 0770 ${dir.path}`,
      level: 'warn',
      message: `${dir.path} is writable by every user (${dir.mode})`,
    })
  }

  for (const f of [identity.claimedIdFile, identity.privateKey.file, identity.publicKey.file]) {
    if (!f.exists) continue
    if (f.kind === 'symlink') findings.push({level: 'warn', message: `${f.path} is a symbolic link`})
    else if (f.owner !== user && f.owner !== 'root') {
      findings.push({
        fix: `chown ${user}:${user} ${f.path}`,
        level: 'fail',
        message: `${f.path} belongs to ${f.owner}, not to ${user}`,
      })
    }
  }

  const key = identity.privateKey.file
  if (key.exists && key.mode && (Number.parseInt(key.mode, 8) & 0o004) !== 0) {
    findings.push({
      fix: `chmod 0600 ${key.path}`,
      level: 'warn',
      message: `${key.path} (the node's private key) is readable by every user (${key.mode})`,
    })
  }
}

/**
 * The agent's own reason for being offline (v2 /api/v3/info cloud.reason, v1.41–1.47 /api/v2/info), as the real
 * v2.11.0 and v1.44.3 agents word it against each emulator fault, → the cause and the exit code `link` gives for it.
 * Reasons that do not say which step failed ("offline", "none", "env_endpoint_unreachable") stay notLinked.
 */
export function causeOfAgentReason(
  reason: string,
): undefined | {code: 'auth' | 'cloudApi' | 'tls'; meaning: string; fix: string} {
  if (/invalid \/env transport|invalid_env_transport/i.test(reason))
    return {
      code: 'cloudApi',
      fix: 'the Cloud URL serves no MQTTv5 transport this agent can use: check the URL in cloud.conf',
      meaning: '/env offered no transport this agent can use',
    }
  // v2.11 "/env response code is not 200", v1.44 env_response_not_200 (e.g. 503 with a retry delay: measured)
  if (/\/env response code is not 200|env_response_not_200/i.test(reason))
    return {
      code: 'cloudApi',
      fix: 'Cloud answered /env with an error (maybe a 503 with a retry delay): the agent retries by itself',
      meaning: "the Cloud's /env answered with an error",
    }
  if (/challenge decryption failed|invalid_otp/i.test(reason))
    return {
      code: 'auth',
      fix: 'Cloud holds another public key for this claim id: netdata-cloud unclaim, then claim again',
      meaning: "the challenge does not decrypt with the node's private key",
    }
  // v2.11 with a CA it does not trust: "https client failed to write http header" (the handshake fails in SSL_write;
  // its log says SSL_ERROR_SSL); with a self-signed leaf: "cannot start SSL connection" (measured)
  if (/\bSSL\b|certificate|TLS|https client failed to write http header/i.test(reason))
    return {
      code: 'tls',
      fix: "the agent does not trust the Cloud's certificate: check SSL_CERT_FILE in its environment and the system CA store",
      meaning: 'the TLS connection to Cloud failed',
    }
  return undefined
}

/**
 * v1's netdata-claim.sh reads (and creates when missing) the machine GUID at its COMPILED-IN registry path, not the
 * agent's configured one (measured on v1.44.3): a node claimed with it can be known to Cloud by a GUID that is not the
 * agent's. Flag a GUID file there that differs from the agent's own.
 */
function checkScriptGuid(install: Install, identity: Identity, running: AgentView, findings: Finding[]): void {
  const compiled = join(install.root, 'var/lib/netdata/registry/netdata.public.unique.id')
  let scriptGuid: string | undefined
  try {
    scriptGuid = readFileSync(compiled, 'utf8').trim().toLowerCase()
  } catch {
    return
  }

  const own = (running.info?.machineGuid ?? identity.machineGuid ?? '').toLowerCase()
  if (!own || !/^[0-9a-f-]{36}$/.test(scriptGuid) || scriptGuid === own) return
  findings.push({
    fix: "claim with netdata-cloud claim --force (it sends the agent's own GUID), or give the script the agent's registry",
    level: 'warn',
    message: `${compiled} holds machine GUID ${scriptGuid}, not the agent's own (${own}): netdata-claim.sh reads the GUID there (its compiled-in path), so a claim made with it names another machine to Cloud`,
  })
}

function decide(r: StatusReport, identity: Identity): Verdict {
  if (r.build && r.build.support !== 'yes') {
    const why =
      r.build.support === 'no-by-user-request'
        ? 'this build has no ACLK: it was built with --disable-cloud'
        : `this build has no ACLK (${r.build.reason ?? 'cloud support not compiled in'})`
    return {
      code: 'noAclk',
      fix: "install a Netdata build with Cloud support (Netdata's own packages or kickstart.sh; Debian's netdata package is built --disable-cloud)",
      message: why,
      state: 'cannot-link',
    }
  }

  if (!r.build && r.running.info?.cloudAvailable === false) {
    return {
      code: 'noAclk',
      fix: 'install a Netdata build with Cloud support',
      message: 'the running agent reports cloud-available: false (no ACLK in this build)',
      state: 'cannot-link',
    }
  }

  if (r.cloudConf.enabled.effective === 'off') {
    return {
      code: 'cloudDisabled',
      fix: 'netdata-cloud enable',
      message: `the cloud link is disabled (${r.cloudConf.enabled.source}: enabled = ${r.cloudConf.enabled.value ?? ''})${r.cloudConf.enabled.note ? ` — ${r.cloudConf.enabled.note}` : ''}`,
      state: 'cannot-link',
    }
  }

  if (identity.claimId.problem) {
    return {
      code: 'invalidConfig',
      fix: 'netdata-cloud unclaim, then netdata-cloud claim',
      message: identity.claimId.problem,
      state: 'cannot-link',
    }
  }

  if (!r.claim.claimed) {
    return {
      code: 'notClaimed',
      fix: 'netdata-cloud claim --token-file FILE --rooms ROOM (the token is in the Cloud UI: Connect Nodes)',
      message: 'the node is not claimed (connected) to a Space',
      state: 'not-linked',
    }
  }

  if (!r.claim.privateKey.file.exists) {
    return {
      code: 'invalidConfig',
      fix: 'claim again (netdata-cloud claim --force) to create a new key pair',
      message: `the node is claimed but its private key ${r.claim.privateKey.file.path} is missing`,
      state: 'cannot-link',
    }
  }

  if (r.claim.privateKey.problem || r.claim.keysMatch === false) {
    const message = r.claim.privateKey.problem
      ? `${r.claim.privateKey.file.path}: ${r.claim.privateKey.problem}`
      : `${r.claim.publicKey.file.path} does not belong to ${r.claim.privateKey.file.path}`
    return {
      code: 'invalidConfig',
      fix: 'claim again with a fresh key pair (netdata-cloud unclaim --rotate-key, then netdata-cloud claim)',
      message,
      state: 'cannot-link',
    }
  }

  const blocking = r.findings.find(f => f.level === 'fail')
  if (blocking)
    return {
      code: 'permission',
      fix: blocking.fix,
      message: blocking.message,
      state: 'cannot-link',
    }

  if (r.offline)
    return {
      code: 'ok',
      message: 'nothing in the files stops this node from linking (agent not asked: --offline)',
      state: 'offline-ok',
    }

  if (!r.running.reachable) {
    return {
      code: 'agentUnreachable',
      fix: 'start the agent (systemctl start netdata), or pass --agent-url; --offline checks the files only',
      message: `the agent did not answer: ${r.running.problem?.message ?? 'unreachable'}`,
      state: 'not-linked',
    }
  }

  if (r.running.online)
    return {
      code: 'ok',
      message: `linked to Netdata Cloud${r.cloudConf.url.value ? ` (${r.cloudConf.url.value})` : ''}${r.running.nodeId ? `, node id ${r.running.nodeId}` : ', no node id assigned yet'}`,
      state: 'linked',
    }
  if (r.running.aclk?.['banned-by-cloud'] === true || r.running.cloud?.status === 'banned') {
    return {
      code: 'auth',
      fix: 'the node is banned by Netdata Cloud: remove it in the Cloud UI, then netdata-cloud unclaim and claim again',
      message: 'Netdata Cloud has banned this node',
      state: 'not-linked',
    }
  }

  const reason =
    r.running.cloud?.reason ??
    (r.running.aclk ? 'aclk-state says online: false' : 'the agent reports aclk-available: false')
  const cause = causeOfAgentReason(reason)
  if (cause)
    return {
      code: cause.code,
      fix: `${cause.fix}; netdata-cloud link walks the connection and names the failing step`,
      message: `claimed and enabled, but not connected: the agent says "${reason}" (${cause.meaning})`,
      state: 'not-linked',
    }
  return {
    code: 'notLinked',
    fix: 'netdata-cloud link (walks the connection and names the failing step)',
    message: `claimed and enabled, but not connected: ${reason}${/^(offline|none|)$/i.test(reason.trim()) ? " (the agent's API gives no cause: its log has it, e.g. MQTT CONNACK refusals)" : ''}`,
    state: 'not-linked',
  }
}

export function statusExitCode(report: StatusReport): number {
  return EXIT[report.verdict.code]
}
