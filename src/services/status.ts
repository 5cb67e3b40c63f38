// `status`: everything that decides whether this node reaches Netdata Cloud, and one verdict.
// install discovery → (buildinfo ‖ agent API) → files (cloud.conf, netdata.conf, cloud.d) → verdict.

import {existsSync} from 'node:fs'
import {hostname as osHostname} from 'node:os'
import {join} from 'node:path'

import {agentFileOwners} from '../agent/accounts.js'
import {type AgentView, readAgentView} from '../agent/api.js'
import {readClaimRecord} from '../agent/claim-record.js'
import {type CloudSettings, readCloudSettings} from '../agent/cloud-settings.js'
import {redactUrl} from '../base/secrets.js'
import {agentHostname, type FileState, type Identity, readIdentity} from '../agent/identity.js'
import {type Install, requireInstall} from '../agent/install.js'
import {maskValue, readServiceEnvironment, type ServiceEnvVar, whereSet} from '../agent/service-env.js'
import {compareVersions, parseVersion, type Version} from '../base/version.js'
import type {Buildinfo} from '../agent/buildinfo.js'
import {noAclk, readBuild} from './build-check.js'
import {type ErrorCode, EXIT} from '../base/errors.js'
import {type CloudOptionState, describeCloudOptions} from '../agent/cloud-options.js'
import {CLONE_FIX} from '../cloud/errors.js'
import {readTextFile} from '../config/read.js'
import {type AgentTrustCheck, checkAgentTrust} from '../cloud/agent-trust.js'
import {pemCertificates} from '../cloud/tls-probe.js'
import {agentTrustOf} from './link.js'
import {findInstallAgent, processStartedAt} from '../agent/agent-process.js'
import {latestCloudProblem} from './agent-logs.js'
import {parseProxySpec, proxyFromEnv, type ProxySpec, specOf} from '../cloud/proxy.js'

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
    /** what the build and netdata.conf imply the agent runs */
    files: null | string
    /** what the running agent reports (/api/v1/info aclk-implementation), when it does */
    agent: null | string
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
    /** v2: claim.conf with a token the agent has not claimed with yet (the token itself is never in the report) */
    pending: null | {path: string; url: null | string; rooms: null | string}
    /** what the claim told Cloud (hostname, GUID) and the agent's name now; null when not claimed */
    sent: ClaimSent | null
  }
  /** netdata.conf [cloud] options: effective value, source, and what this era does with each (ignored keys said) */
  cloudOptions: CloudOptionState[]
  running: AgentView & {
    online: boolean | null
    state?: string
    /** the claim id the running agent holds (/api/v1/aclk claimed-id, v2/v3 cloud.claim_id, info mirrored host) */
    claimId?: null | string
  }
  /** the running agent compared with the files: what differs (claim id, version, machine GUID, implementation) */
  mismatches: Array<{what: 'claimId' | 'implementation' | 'machineGuid' | 'version'; agent: string; files: string}>
  /** cloud-related variables in the agent's service environment, secrets masked */
  serviceEnv: ServiceEnvVar[]
  findings: Finding[]
  /**
   * claimed but not online: the chain the cloud URL serves (through the agent's proxy), checked with what the agent's
   * ACLK trusts (SSL_CERT_FILE of its environment, else the system bundle, and SSL_CERT_DIR, else the system dir); v2
   * with a pending claim: with what its claim trusts (cloud.d/trusted.pem, else cloud_fullchain.pem). Absent when not
   * checked (linked, --offline, not claimed, or a verdict with another cause).
   */
  tlsTrust?: AgentTrustCheck & {
    step: 'aclk' | 'claim'
    /** v2 insecure = yes: the claim waives a self-signed leaf */ insecure: boolean
  }
  /**
   * claimed, not connected, and neither the API nor the TLS check names why: the agent's latest explained log line
   * since it started (netdata-cloud logs reads the same), which then decides the verdict
   */
  agentLog?: {
    source: string
    line: string
    time: null | string
    count: number
    /** the agent's start (from /proc), when known: older lines are not used */
    since: null | string
    cause: {id: string; cause: string; code: ErrorCode; fix: string}
  }
  verdict: Verdict
  offline: boolean
}

/**
 * What the claim told Cloud. `record`: netdata-cloud's claim wrote it down (cloud.d/netdata-cloud-claim.json);
 * `agent`: a v2 agent claimed itself (claim.conf), with its own name and GUID; `not recorded`: another tool claimed
 * (v1's netdata-claim.sh by hand or by kickstart.sh, the agent's -W claim), and nothing on the node says what it sent.
 */
export interface ClaimSent {
  source: 'agent' | 'not recorded' | 'record'
  record: string
  hostname: null | string
  machineGuid: null | string
  method?: string
  at?: string
  /** the name the agent knows itself by now, and where that came from */
  agentHostname: {value: string; source: string}
  /** a record that is there but was not used (another claim's, unreadable) */
  problem?: string
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

export async function getStatus(
  install: Install,
  options: {
    offline?: boolean
    timeoutMs?: number
    /** where /etc and /proc are read from (tests) */ systemRoot?: string
  } = {},
): Promise<StatusReport> {
  requireInstall(install)
  const [build, running] = await Promise.all([
    readBuild(install),
    options.offline
      ? Promise.resolve<AgentView>({reachable: false})
      : readAgentView(install.agentUrl, options.timeoutMs ?? 3000),
  ])
  const versionText = build?.version ?? running.version ?? null
  const version: null | Version = versionText ? parseVersion(versionText) : null
  // read once (units, drop-ins, /proc): real values resolve the proxy, masked ones are shown
  const revealed = readServiceEnvironment(install, {
    reveal: true,
    ...(options.systemRoot ? {proc: `${options.systemRoot}/proc`, root: options.systemRoot} : {}),
  })
  const agentEnv = Object.fromEntries(revealed.map(v => [v.name, v.value]))
  const serviceEnv = revealed
    .filter(v => LINK_VARIABLES.test(v.name))
    .map(v => ({...v, value: maskValue(v.name, v.value)}))
  const settings = readCloudSettings(install, version, agentEnv)
  const identity = readIdentity(settings.paths, {
    cloudConf: settings.cloudConf,
    owners: agentFileOwners(install.runAsUser),
    v2: settings.rules.claim === 'claim.conf',
  })
  const findings: Finding[] = settings.warnings.map(message => ({level: 'warn', message}))
  for (const note of install.notes) findings.push({level: 'warn', message: note})
  const v2 = settings.rules.claim === 'claim.conf'
  for (const name of new Set(serviceEnv.filter(e => e.name.startsWith('NETDATA_CLAIM_')).map(e => e.name))) {
    const where = whereSet(serviceEnv.filter(e => e.name === name))
    findings.push({
      fix: v2 ? `once the node is claimed: ${where.fix}` : `it has no effect here; to clean up: ${where.fix}`,
      level: 'warn',
      message: v2
        ? `${name} is set for the agent (${where.where}): v2 agents claim from it at start when not claimed`
        : `${name} is set for the agent (${where.where}): ${settings.rules.name} agents do not read it (only the v1 Docker entrypoint claims from NETDATA_CLAIM_TOKEN + NETDATA_CLAIM_URL, when claimed_id is missing)`,
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
  const sent = identity.claimId.value ? claimSent(install, settings.paths.cloudDir, identity, running, v2) : null
  if (sent) checkClaimSent(sent, identity, running, findings)

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
      pending:
        v2 && settings.claimConf?.get('global', 'token')?.value
          ? {
              path: settings.paths.claimConf,
              rooms: settings.claimConf.get('global', 'rooms')?.value ?? null,
              url: settings.claimConf.get('global', 'url')?.value ?? null,
            }
          : null,
      privateKey: identity.privateKey,
      publicKey: identity.publicKey,
      sent,
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
    cloudOptions: describeCloudOptions(
      install.netdataConf ?? null,
      install.netdataConfPath,
      version ?? [1, 37, 1],
      settings.rules.name,
    ),
    findings,
    implementation: {
      available: build?.aclk.implementations ?? [],
      configured: implSetting ? {line: implSetting.line, value: implSetting.value} : null,
      default: build?.aclk.default ?? null,
      agent: running.info?.aclkImplementation ?? null,
      eraRule: IMPLEMENTATION_RULE[settings.rules.implementationKey],
      files: filesImplementation(build, implSetting?.value, settings.rules.implementationKey),
    },
    mismatches: [],
    offline: Boolean(options.offline),
    running: {...running, claimId: agentClaimId(running), online, state: running.cloud?.status},
    serviceEnv,
    verdict: {code: 'ok', message: '', state: 'linked'},
  }
  compareAgentWithFiles(report)
  report.verdict = decide(report, identity, build, install)
  // only where the verdict is "not connected" for no cause the files or the agent name (or a TLS one it names)
  const v = report.verdict
  if (
    report.running.reachable &&
    (v.code === 'notLinked' || v.code === 'tls' || (v.code === 'notClaimed' && report.claim.pending)) &&
    !report.mismatches.some(m => m.what === 'claimId')
  ) {
    await checkTrust(report, settings, agentEnv, options.timeoutMs ?? 3000, options.systemRoot)
    report.verdict = decide(report, identity, build, install)
  }

  // still "not connected" with no cause the API gives: the agent's own log names it (a CONNACK refusal, a
  // certificate it refused), from its latest lines since it started
  if (report.verdict.code === 'notLinked' && report.claim.claimed && report.running.reachable) {
    const proc = options.systemRoot ? `${options.systemRoot}/proc` : '/proc'
    const agent = findInstallAgent(install, proc)
    const started = agent.state === 'found' ? processStartedAt(agent.pid, proc) : null
    // btime is whole seconds: a second of slack so that the agent's first lines are not taken for older ones
    const since = started ? new Date(started.getTime() - 1000) : null
    const problem = await latestCloudProblem(install, {since: since ?? undefined, timeoutMs: options.timeoutMs ?? 3000})
    if (problem)
      report.agentLog = {
        cause: {code: problem.cause.code, cause: problem.cause.cause, fix: problem.cause.fix, id: problem.cause.id},
        count: problem.count,
        line: problem.line,
        since: since?.toISOString() ?? null,
        source: problem.source.path,
        time: problem.time,
      }
    report.verdict = decide(report, identity, build, install)
  }

  return report
}

/**
 * The agent does not say it is online: connect to the cloud URL and check its chain with what the agent trusts, so
 * that a CA only this tool (or the shell's SSL_CERT_FILE) trusts is named instead of a bare "offline". It goes through
 * the proxy the agent uses (the ACLK's, `env` expanded as its era does; for a v2 pending claim, claim.conf's or curl's
 * environment rules), so a proxy that refuses is named as such.
 */
async function checkTrust(
  r: StatusReport,
  settings: CloudSettings,
  env: Record<string, string>,
  timeoutMs: number,
  root?: string,
): Promise<void> {
  if (r.offline || r.running.online === true) return
  if (r.cloudConf.enabled.effective === 'off') return
  let step: 'aclk' | 'claim'
  let trust: undefined | {source: string; value: string}
  let url = r.cloudConf.url.value
  if (r.claim.claimed) {
    step = 'aclk'
    trust = agentTrustOf(env, root).agentTrust
  } else if (r.claim.pending) {
    // v2.11's own claim (libcurl) trusts only cloud.d/trusted.pem, else cloud_fullchain.pem, and ignores SSL_CERT_FILE
    step = 'claim'
    url = r.claim.pending.url ?? url
    const owners = agentFileOwners(r.agent.runAsUser)
    for (const name of ['trusted.pem', 'cloud_fullchain.pem']) {
      const file = join(settings.paths.cloudDir, name)
      if (!existsSync(file)) continue
      try {
        const value = readTextFile(file, 'CA bundle', 4 * 1024 * 1024, {owners})
        if (value !== null) trust = {source: `${file} (what the agent's own claim trusts)`, value}
      } catch {}

      break
    }

    trust ??= agentTrustOf({}, root).agentTrust
  } else return

  if (!trust || !url) return
  const via = trustProxy(settings, env, step, url)
  const version = r.agent.version ? parseVersion(r.agent.version) : null
  // ACLK-NG refuses SOCKS5 before v2.10 ("SOCKS5 proxy is not supported by ACLK-NG yet", netdata-facts.md §5.8)
  const noSocks =
    step === 'aclk' &&
    (via.value.kind === 'socks5' || via.value.kind === 'socks5h') &&
    version !== null &&
    compareVersions(version, [1, 33, 0]) >= 0 &&
    compareVersions(version, [2, 10, 0]) < 0
  r.tlsTrust = {
    ...(noSocks
      ? {
          certificates: pemCertificates(trust.value).length,
          detail: `not connected: this agent (v${version.join('.')}) does not use SOCKS5 proxies for its ACLK (ACLK-NG supports them from v2.10)`,
          failure: 'proxy' as const,
          proxy: {display: via.value.display, source: via.source},
          selfSigned: false,
          target: cloudTarget(url),
          trust: trust.source,
          trusted: null,
        }
      : await checkAgentTrust(url, trust, timeoutMs, via)),
    insecure: false,
    step,
  }
  const time = r.tlsTrust.certificateTime
  if (time)
    r.findings.push({
      fix: time.fix,
      level: 'warn',
      message: `the agent will refuse this certificate: ${r.tlsTrust.target}: ${time.detail}`,
    })
  const {proxy} = r.tlsTrust
  if (r.tlsTrust.failure === 'proxy' && proxy)
    r.findings.push({
      fix: noSocks
        ? `use an http:// proxy (${proxy.source}), or upgrade the agent to v2.10 or later`
        : `check the proxy (${proxy.source}): that it runs and allows CONNECT to ${r.tlsTrust.target}; netdata-cloud link walks it step by step`,
      level: 'warn',
      message: `the agent's ${step === 'aclk' ? 'ACLK' : 'claim'} goes through ${proxy.display}, which does not let it through: ${r.tlsTrust.detail}`,
    })
  if (r.tlsTrust.trusted !== false) return
  // v2's insecure = yes waives only a self-signed leaf (error 18) for its claim
  r.tlsTrust.insecure = settings.insecure.value && step === 'claim' && r.tlsTrust.selfSigned
  const {insecure} = r.tlsTrust
  r.findings.push({
    fix:
      step === 'aclk'
        ? 'give the agent the CA: SSL_CERT_FILE=<ca.pem> in its service environment (systemctl edit netdata: Environment=SSL_CERT_FILE=…), or the CA as DIR/<hash>.0 with SSL_CERT_DIR=DIR (openssl rehash DIR), then restart it'
        : `put the CA in ${join(settings.paths.cloudDir, 'trusted.pem')} (netdata-cloud claim --ca FILE does), then netdatacli reload-claiming-state`,
    level: 'warn',
    message: `the agent will not trust this chain: ${r.tlsTrust.target} serves ${r.tlsTrust.detail}, and its ${step === 'aclk' ? 'ACLK' : 'claim'} verifies with ${trust.source} (${r.tlsTrust.certificates} CA certificate${r.tlsTrust.certificates === 1 ? '' : 's'}), which holds none of its issuers${insecure ? ' (insecure = yes accepts it: the leaf is self-signed)' : ''}`,
  })
}

function cloudTarget(url: string): string {
  try {
    const u = new URL(url)
    return `${u.hostname.replace(/^\[|\]$/g, '')}:${u.port || 443}`
  } catch {
    return url
  }
}

/** The proxy the agent's ACLK (or its v2 claim, with curl's rules for `env`) goes through; invalid ones it ignores. */
function trustProxy(
  settings: CloudSettings,
  env: Record<string, string>,
  step: 'aclk' | 'claim',
  url: string,
): {source: string; value: ProxySpec} {
  if (step === 'aclk')
    return {source: settings.effectiveProxy.source, value: parseProxySpec(settings.effectiveProxy.value ?? 'none')}
  const set = settings.claimConf?.get('global', 'proxy')
  const source = set ? `claim.conf:${set.line}` : 'claim.conf (default env)'
  if (set && set.value.trim() !== 'env') return {source, value: parseProxySpec(set.value)}
  try {
    const p = proxyFromEnv(env, url)
    return {source: p.source, value: specOf(p)}
  } catch {
    return {source: 'env (a value curl would refuse)', value: parseProxySpec('none')}
  }
}

function agentClaimId(view: AgentView): null | string | undefined {
  if (!view.reachable) return undefined
  const id = (view.aclk?.['claimed-id'] as null | string | undefined) ?? view.cloud?.claim_id ?? view.info?.claimId
  return typeof id === 'string' && id.trim() !== '' ? id.trim() : id === null ? null : undefined
}

function filesImplementation(
  build: Buildinfo | null,
  configured: string | undefined,
  rule: keyof typeof IMPLEMENTATION_RULE,
): null | string {
  if (!build || build.aclk.implementations.length === 0) return null
  if (rule === 'honoured' && configured && (build.aclk.implementations as string[]).includes(configured))
    return configured
  return build.aclk.default
}

/** The running agent's own identity and version against the files': an agent not restarted after a change differs. */
function compareAgentWithFiles(r: StatusReport): void {
  const run = r.running
  if (!run.reachable) return
  const add = (what: StatusReport['mismatches'][number]['what'], agent: string, files: string, f: Finding) => {
    r.mismatches.push({agent, files, what})
    r.findings.push(f)
  }

  if (run.claimId && r.claim.claimId && run.claimId.toLowerCase() !== r.claim.claimId.toLowerCase())
    add('claimId', run.claimId, r.claim.claimId, {
      fix: 'restart the agent (systemctl restart netdata) so that it loads the claim on disk',
      level: 'warn',
      message: `the running agent holds claim id ${run.claimId}, but ${r.claim.source ?? 'the files'} say ${r.claim.claimId} (re-claimed without a restart, or --agent-url names another agent)`,
    })
  const onDisk = r.build?.version ? parseVersion(r.build.version) : null
  const running = run.version ? parseVersion(run.version) : null
  if (onDisk && running && compareVersions(onDisk, running) !== 0)
    add('version', run.version!, r.build!.version!, {
      fix: 'restart the agent (systemctl restart netdata) to run the binary on disk',
      level: 'warn',
      message: `the netdata binary on disk is ${r.build!.version}, but the running agent is ${run.version}: what the build says may not be what runs`,
    })
  const guid = run.info?.machineGuid
  if (guid && r.claim.machineGuid && guid.toLowerCase() !== r.claim.machineGuid.toLowerCase())
    add('machineGuid', guid, r.claim.machineGuid, {
      fix: 'check --agent-url and --lib-dir name the same agent; restart the agent if its GUID file was changed',
      level: 'warn',
      message: `the running agent's machine GUID is ${guid}, but the GUID file says ${r.claim.machineGuid}`,
    })
  const reason = run.cloud?.reason ?? ''
  if (/already claimed|node id is invalid|invalid node id|ErrAlreadyClaimed|ErrInvalidNodeID/i.test(reason))
    r.findings.push({
      fix: CLONE_FIX,
      level: 'warn',
      message: `the agent reports "${reason}": Netdata Cloud knows another node with this identity (machine GUID ${r.claim.machineGuid ?? 'unknown'}) — a cloned machine?`,
    })
  const agentImpl = r.implementation.agent
  if (agentImpl && r.implementation.files && agentImpl !== r.implementation.files)
    add('implementation', agentImpl, r.implementation.files, {
      fix: 'restart the agent to apply netdata.conf [cloud] aclk implementation',
      level: 'warn',
      message: `the running agent reports aclk-implementation ${agentImpl}, but the build and netdata.conf imply ${r.implementation.files}`,
    })
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

function claimSent(install: Install, cloudDir: string, identity: Identity, running: AgentView, v2: boolean): ClaimSent {
  const read = readClaimRecord(cloudDir, agentFileOwners(install.runAsUser), identity.claimId.value)
  const agentName = agentHostname(install, running)
  const base = {agentHostname: agentName, record: read.path, ...(read.problem ? {problem: read.problem} : {})}
  if (read.record) {
    const {at, hostname, machineGuid, method} = read.record
    return {...base, at, hostname, machineGuid, method, source: 'record'}
  }

  // a v2 agent claims itself from claim.conf, with its own name and GUID
  if (v2) return {...base, hostname: agentName.value, machineGuid: identity.machineGuid, source: 'agent'}
  return {...base, hostname: null, machineGuid: null, source: 'not recorded'}
}

/**
 * Issue 17: flag a claim whose hostname or GUID is not the agent's own. Proven when netdata-cloud recorded what its
 * claim sent; for a v1 claim made another way, said as what netdata-claim.sh would have sent (bash's $HOSTNAME, the
 * host's name) when that is not the agent's name.
 */
function checkClaimSent(sent: ClaimSent, identity: Identity, running: AgentView, findings: Finding[]): void {
  const agentName = sent.agentHostname.value
  const ownGuid = (running.info?.machineGuid ?? identity.machineGuid ?? '').toLowerCase()
  const reclaim = "netdata-cloud claim --force claims again with the agent's own hostname and machine GUID"
  if (sent.source === 'record') {
    const when = `netdata-cloud's claim${sent.at ? ` of ${sent.at.slice(0, 19).replace('T', ' ')} UTC` : ''}`
    if (sent.hostname !== agentName)
      findings.push({
        fix: `the agent sends its own name once it links; to correct what Cloud was told now: ${reclaim}`,
        level: 'warn',
        message: `${when} told Cloud the hostname "${sent.hostname}", but the agent calls itself "${agentName}" (${sent.agentHostname.source}) [${sent.record}]`,
      })
    if (ownGuid && sent.machineGuid && sent.machineGuid.toLowerCase() !== ownGuid)
      findings.push({
        fix: reclaim,
        level: 'warn',
        message: `${when} named machine GUID ${sent.machineGuid} to Cloud, but the agent's is ${ownGuid}: Cloud knows this claim by another machine [${sent.record}]`,
      })
    return
  }

  if (sent.source !== 'not recorded') return
  const scriptName = osHostname()
  if (scriptName === agentName) return
  findings.push({
    fix: reclaim + ' (and records what it sent)',
    level: 'warn',
    message: `this claim was not made by netdata-cloud, so the hostname it sent is not known here: netdata-claim.sh run by hand or by kickstart.sh sends the host's name "${scriptName}" (bash's $HOSTNAME), not the agent's "${agentName}" (${sent.agentHostname.source}); Cloud then lists the node as "${scriptName}" until the agent links`,
  })
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
    // the registry belongs to the agent's user: the one checked read (no link, one hard link, an expected owner)
    scriptGuid = readTextFile(compiled, 'machine GUID', 4096, {owners: agentFileOwners(install.runAsUser)})
      ?.trim()
      .toLowerCase()
  } catch {
    return
  }

  if (!scriptGuid) return

  const own = (running.info?.machineGuid ?? identity.machineGuid ?? '').toLowerCase()
  if (!own || !/^[0-9a-f-]{36}$/.test(scriptGuid) || scriptGuid === own) return
  findings.push({
    fix: "claim with netdata-cloud claim --force (it sends the agent's own GUID), or give the script the agent's registry",
    level: 'warn',
    message: `${compiled} holds machine GUID ${scriptGuid}, not the agent's own (${own}): netdata-claim.sh reads the GUID there (its compiled-in path), so a claim made with it names another machine to Cloud`,
  })
}

function decide(r: StatusReport, identity: Identity, build: Buildinfo | null, install: Install): Verdict {
  const cannot = noAclk(build, install)
  if (cannot) return {code: 'noAclk', fix: cannot.fix, message: cannot.message, state: 'cannot-link'}

  if (r.running.reachable && r.running.info?.cloudAvailable === false) {
    const differs = r.mismatches.find(m => m.what === 'version')
    return {
      code: 'noAclk',
      fix: differs
        ? 'restart the agent (systemctl restart netdata): the running agent is not the build on disk'
        : 'install a Netdata build with Cloud support (kickstart.sh --require-cloud)',
      message: `the running agent reports cloud-available: false (its build has no ACLK)${differs ? `; it is ${differs.agent}, the binary on disk is ${differs.files}` : ''}`,
      state: 'cannot-link',
    }
  }

  const fromEnv = r.serviceEnv.filter(v => v.name === 'NETDATA_DISABLE_CLOUD')
  if (r.cloudConf.enabled.effective === 'off' && r.cloudConf.enabled.source === 'env NETDATA_DISABLE_CLOUD') {
    const where = whereSet(fromEnv)
    return {
      code: 'cloudDisabled',
      fix: where.fix,
      message: `the cloud link is disabled: NETDATA_DISABLE_CLOUD=${fromEnv[0]?.value ?? ''} is set for the agent (${where.where}); it overrides cloud.conf (enabled = ${r.cloudConf.enabled.value ?? 'not set'} there)`,
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

  const distrust =
    r.tlsTrust?.trusted === false && !r.tlsTrust.insecure
      ? r.findings.find(f => f.message.startsWith('the agent will not trust this chain'))
      : undefined
  if (!r.claim.claimed && r.claim.pending && distrust && r.tlsTrust?.step === 'claim')
    return {
      code: 'tls',
      fix: distrust.fix,
      message: `not claimed yet: a claim is pending in ${r.claim.pending.path}, but ${distrust.message}`,
      state: 'not-linked',
    }

  if (!r.claim.claimed && r.claim.pending) {
    const reason = r.running.reachable ? (r.running.cloud?.reason ?? r.running.state) : undefined
    return {
      code: 'notClaimed',
      fix: r.running.reachable
        ? `the agent claims from it on: netdatacli reload-claiming-state (or a restart); if it stays unclaimed, fix what the agent reports${reason ? ` (${reason})` : ''}, or run: netdata-cloud claim --direct`
        : 'start the agent: it claims from claim.conf when it starts',
      message: `not claimed yet: a claim is pending in ${r.claim.pending.path} (a token${r.claim.pending.rooms ? `, rooms ${r.claim.pending.rooms}` : ''}${r.claim.pending.url ? `, url ${r.claim.pending.url}` : ''})${reason ? `; the agent says: ${reason}` : ''}`,
      state: 'not-linked',
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

  const otherClaim = r.mismatches.find(m => m.what === 'claimId')
  if (otherClaim)
    return {
      code: 'notLinked',
      fix: 'restart the agent (systemctl restart netdata) so that it connects with the claim on disk',
      message: `the running agent holds claim id ${otherClaim.agent}, not ${otherClaim.files} (${r.claim.source ?? 'files'})${r.running.online ? ': it is online, but as another node than these files' : ''}`,
      state: 'not-linked',
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

  const refused =
    r.tlsTrust?.failure === 'proxy' && r.tlsTrust.step === 'aclk'
      ? r.findings.find(f => f.message.startsWith("the agent's ACLK goes through"))
      : undefined
  if (refused)
    return {
      code: 'proxy',
      fix: refused.fix,
      message: `claimed and enabled, but not connected: ${refused.message}`,
      state: 'not-linked',
    }

  if (distrust && r.tlsTrust?.step === 'aclk')
    return {
      code: 'tls',
      fix: distrust.fix,
      message: `claimed and enabled, but not connected: ${distrust.message}`,
      state: 'not-linked',
    }
  const time = r.tlsTrust?.step === 'aclk' ? r.tlsTrust.certificateTime : undefined
  const expired = time && r.findings.find(f => f.message.startsWith('the agent will refuse this certificate'))
  if (time && expired)
    return {
      code: time.code,
      fix: expired.fix,
      message: `claimed and enabled, but not connected: ${expired.message}`,
      state: 'not-linked',
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
  const logged = r.agentLog
  if (logged)
    return {
      code: logged.cause.code,
      fix: `${logged.cause.fix}; netdata-cloud link walks the connection and names the failing step`,
      message: `claimed and enabled, but not connected: the agent${reason && !/^(offline|none)$/i.test(reason.trim()) ? ` says "${reason}", and its log` : "'s log"} says "${logged.line}"${logged.count > 1 ? ` (${logged.count} times ${logged.since ? 'since it started' : "in the log's last lines"})` : ''} — ${logged.cause.cause} [${logged.source}${logged.time ? `, ${logged.time}` : ''}]`,
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
