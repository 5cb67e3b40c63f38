// `link`: walk the real connection to Netdata Cloud step by step (netdata-facts.md §5.11) and name the failing
// step. Settings come from the node (or, with the emulator, from a throw-away identity); the ordered Step list is
// run by the one runner; progress goes through a callback so --json stays silent and tests can watch the steps.

import {generateKeyPair, randomUUID} from 'node:crypto'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {agentFileOwners} from '../agent/accounts.js'
import {readAgentView} from '../agent/api.js'
import {readCloudSettings} from '../agent/cloud-settings.js'
import {readIdentity} from '../agent/identity.js'
import {type Install, requireInstall} from '../agent/install.js'
import {runBinary} from '../agent/run-binary.js'
import {readServiceEnvironment} from '../agent/service-env.js'
import {parseVersion, type Version} from '../base/version.js'
import {runSteps, type RunOptions} from '../cloud/link-runner.js'
import {challengeStep, envStep} from '../cloud/link-steps/cloud-api.js'
import {dnsStep, proxyStep, tcpStep, tlsStep} from '../cloud/link-steps/network.js'
import {agentStep, mqttStep, settingsStep} from '../cloud/link-steps/session.js'
import type {AgentLinkView, LinkContext, LinkSettings, Sourced, Step, StepId, StepRecord} from '../cloud/link-types.js'
import {parseProxySpec} from '../cloud/proxy.js'
import {readTextFile} from '../config/read.js'
import {EXIT, UserError} from '../base/errors.js'
import {noAclk, readBuild} from './build-check.js'

export const LINK_STEPS: Step[] = [
  settingsStep,
  dnsStep,
  tcpStep,
  proxyStep,
  tlsStep,
  envStep,
  challengeStep,
  mqttStep,
  agentStep,
]

export interface LinkOptions {
  url?: string
  proxy?: string
  /** CA files to trust in addition to the default store */
  caFiles?: string[]
  /** walk as this agent version would (era rules: /env path, MQTT 3.1.1 or 5, topics) */
  asVersion?: string
  timeoutMs: number
  deadlineMs: number
  only?: StepId[]
  skip?: StepId[]
  takeOver?: boolean
  /** walk even when the build has no ACLK (the walk then tests the network only: this agent cannot link) */
  force?: boolean
  onProgress?: RunOptions['onProgress']
}

export interface LinkReport {
  ok: boolean
  exitCode: number
  /** the one-line verdict (without the `SUMMARY:` label) */
  summary: string
  steps: Array<Pick<StepRecord, 'code' | 'detail' | 'fix' | 'id' | 'ms' | 'ref' | 'status' | 'target' | 'title'>>
  url: string
  proxy: string
  claimed: boolean
  emulator: boolean
  roundTrips: number
  tlsConnections: number
  ms: number
}

/** The part of the emulator (src/emulator) the walk uses; the command passes `startEmulator` in. */
export interface EmulatorHandle {
  url: string
  caPem: string
  registerNode(claimId: string, publicKeyPem: string): void
  close(): Promise<void>
}

export type StartEmulator = (options: {faults?: string[]}) => Promise<EmulatorHandle>

function readCaFiles(files: string[] = []): Array<Sourced<string>> {
  return files.map(f => {
    let text: string
    try {
      text = readFileSync(f, 'utf8')
    } catch (error) {
      throw new UserError(
        'badInput',
        `--ca ${f}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        {fix: 'give a PEM file with the CA certificate'},
      )
    }

    if (!text.includes('-----BEGIN CERTIFICATE-----'))
      throw new UserError('badInput', `--ca ${f}: no PEM certificate in it`, {
        fix: 'give a PEM file (-----BEGIN CERTIFICATE-----)',
      })
    return {source: `--ca ${f}`, value: text}
  })
}

function versionFrom(flag: string | undefined): Version | null {
  if (flag === undefined) return null
  const v = parseVersion(flag)
  if (!v) throw new UserError('badInput', `--as-version ${flag}: not a version`, {fix: 'e.g. --as-version 1.37.1'})
  return v
}

function checkUrl(settings: LinkSettings): void {
  let url: URL
  try {
    url = new URL(settings.url.value)
  } catch {
    settings.problems.push({
      code: 'invalidConfig',
      fix: 'set a URL like https://app.netdata.cloud',
      message: `the cloud URL ${JSON.stringify(settings.url.value)} does not parse`,
      ref: settings.url.source,
    })
    return
  }

  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    settings.problems.push({
      code: 'invalidConfig',
      fix: 'use an https:// URL',
      message: `the cloud URL must be https:// (got ${url.protocol})`,
      ref: settings.url.source,
    })
  else if (url.protocol === 'http:')
    settings.warnings.push('the cloud URL is http://: the agent still uses TLS, on port 80 unless a port is given')
  const p = settings.proxy.value
  if (p.kind === 'https-unsupported' || p.kind === 'invalid')
    settings.problems.push({
      code: 'proxy',
      fix: 'use http://host:port, socks5://host:port or socks5h://host:port (or none)',
      message: `proxy ${p.display}: ${p.problem}`,
      ref: settings.proxy.source,
    })
}

/** Settings of this node: cloud.conf / netdata.conf / claim.conf / service env, overridden by flags. */
/** The system CA bundle OpenSSL reads by default on Debian/Ubuntu, RHEL/Fedora, SUSE, Alpine. */
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
]

/** The hashed directory OpenSSL reads by default (Debian/Ubuntu /usr/lib/ssl/certs → /etc/ssl/certs; RHEL). */
const SYSTEM_DIRS = ['/etc/ssl/certs', '/etc/pki/tls/certs']

/** Bounds of one hashed directory read: `<hash>.<n>` files only, each at most 64 KiB, 2000 files, 8 MiB in all. */
export const CERT_DIR_LIMITS = {fileBytes: 64 * 1024, files: 2000, totalBytes: 8 * 1024 * 1024}

const pemBlocks = (text: string) => text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []
const pemKey = (block: string) => block.replace(/\s+/g, '')

/**
 * The certificates of OpenSSL hashed directories (SSL_CERT_DIR is a `:`-separated list): the `<subject hash>.<n>`
 * names it looks up, links followed (Debian's /etc/ssl/certs is all links) but only regular files read, size-capped.
 */
export function readCertDirs(dirs: string[]): {pems: string[]; files: number; skipped: number; capped: boolean} {
  const out = {capped: false, files: 0, pems: [] as string[], skipped: 0}
  let total = 0
  for (const dir of dirs) {
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch {
      continue
    }

    for (const name of names.sort()) {
      if (!/^[0-9a-f]{8}\.\d+$/.test(name)) continue
      if (out.files >= CERT_DIR_LIMITS.files || total >= CERT_DIR_LIMITS.totalBytes) {
        out.capped = true
        return out
      }

      const file = join(dir, name)
      try {
        const st = statSync(file)
        if (!st.isFile() || st.size > CERT_DIR_LIMITS.fileBytes) {
          out.skipped++
          continue
        }

        const text = readFileSync(file, 'latin1')
        out.files++
        total += text.length
        out.pems.push(...pemBlocks(text))
      } catch {
        out.skipped++
      }
    }
  }

  return out
}

/**
 * What the agent's ACLK trusts (OpenSSL's default verify paths, both as OpenSSL does): the file (SSL_CERT_FILE of its
 * environment, else the system bundle) and the hashed directory (SSL_CERT_DIR, else the system one). `root`: where
 * the system paths are looked up (tests).
 */
export function agentTrustOf(env: Record<string, string>, root = '/'): {agentTrust?: Sourced<string>} {
  const sources: string[] = []
  const values: string[] = []
  const file = env.SSL_CERT_FILE || SYSTEM_BUNDLES.map(f => join(root, f)).find(f => existsSync(f))
  if (file) {
    try {
      values.push(readFileSync(file, 'utf8'))
      sources.push(env.SSL_CERT_FILE ? `SSL_CERT_FILE=${file} (the agent's environment)` : `the system store ${file}`)
    } catch {}
  }

  const dirs = env.SSL_CERT_DIR
    ? env.SSL_CERT_DIR.split(':').filter(Boolean)
    : SYSTEM_DIRS.map(d => join(root, d))
        .filter(d => existsSync(d))
        .slice(0, 1)
  const read = readCertDirs(dirs)
  if (read.files > 0 || env.SSL_CERT_DIR) {
    // a certificate both in the file and in the directory (Debian: every one) counts once
    const seen = new Set(values.flatMap(v => pemBlocks(v).map(b => pemKey(b))))
    const added = read.pems.filter(p => !seen.has(pemKey(p)) && seen.add(pemKey(p)))
    values.push(added.join('\n'))
    const limits = `${read.skipped > 0 ? `, ${read.skipped} skipped` : ''}${read.capped ? `, stopped at the cap of ${CERT_DIR_LIMITS.files} files / ${CERT_DIR_LIMITS.totalBytes / 1024 / 1024} MiB` : ''}`
    sources.push(
      `${env.SSL_CERT_DIR ? `SSL_CERT_DIR=${dirs.join(':')}` : `the system directory ${dirs.join(':')}`} (${read.pems.length} certificate${read.pems.length === 1 ? '' : 's'}${added.length < read.pems.length ? `, ${added.length} not in the file` : ''}${limits})`,
    )
  }

  if (sources.length === 0) return {}
  return {agentTrust: {source: sources.join(' + '), value: values.join('\n')}}
}

export async function nodeSettings(
  install: Install,
  options: LinkOptions,
): Promise<{settings: LinkSettings; agentView: Promise<AgentLinkView | null>}> {
  requireInstall(install)
  const viewPromise = readAgentView(install.agentUrl, Math.min(options.timeoutMs, 3000)).then(toLinkView, () => null)
  let version: Sourced<Version | null> = {source: 'unknown', value: null}
  const forced = versionFrom(options.asVersion)
  if (forced) version = {source: '--as-version', value: forced}
  else if (install.netdata) {
    const r = await runBinary(install.netdata, ['-v'], {timeoutMs: 3000})
    const v = r.exitCode === 0 ? parseVersion(r.stdout) : null
    if (v) version = {source: `${install.netdata} -v`, value: v}
  }

  const env: Record<string, string> = {}
  for (const e of readServiceEnvironment(install, {reveal: true})) env[e.name] = e.value
  const cs = readCloudSettings(install, version.value, env)
  const owners = agentFileOwners(install.runAsUser)
  const identity = readIdentity(cs.paths, {cloudConf: cs.cloudConf, owners, v2: cs.rules.claim === 'claim.conf'})
  let privateKeyPem: null | string = null
  try {
    // the same checked read as readIdentity's: a key swapped for a link meanwhile is refused, not used
    if (identity.privateKey.parses)
      privateKeyPem = readTextFile(cs.paths.privateKey, 'private key', 1024 * 1024, {owners})
  } catch {}

  const keyProblems: string[] = []
  if (identity.claimId.problem) keyProblems.push(identity.claimId.problem)
  if (identity.privateKey.problem) keyProblems.push(`private.pem ${identity.privateKey.problem}`)
  if (identity.publicKey.problem) keyProblems.push(`public.pem ${identity.publicKey.problem}`)
  if (identity.keysMatch === false) keyProblems.push('public.pem does not match private.pem')
  if (identity.claimId.value && !identity.privateKey.file.exists) keyProblems.push(`${cs.paths.privateKey} is missing`)
  const keyNotes: string[] = []
  if (identity.privateKey.file.exists)
    keyNotes.push(
      `${identity.privateKey.file.mode} ${identity.privateKey.file.owner}:${identity.privateKey.file.group}`,
    )
  if (identity.keysMatch) keyNotes.push('public matches')
  const {mode} = identity.privateKey.file
  // modes per era: v1's claim writes the key 0600; v2 writes every cloud.d file itself under umask 0007 (0660: the
  // agent's group may read it, measured on v2.11.0), so only access for others is a problem there
  const v2Files = cs.rules.claim === 'claim.conf'
  if (mode && (Number.parseInt(mode, 8) & (v2Files ? 0o007 : 0o077)) !== 0)
    keyProblems.push(
      `private.pem mode ${mode} lets other users read it (the agent uses ${v2Files ? '0660 with its own group' : '0600'})`,
    )

  const proxyRaw: Sourced<string> = options.proxy
    ? {source: '--proxy', value: options.proxy}
    : {source: cs.effectiveProxy.source, value: cs.effectiveProxy.value ?? 'none'}
  const proxyOthers: Array<Sourced<string>> = []
  const claimProxy = cs.claimConf?.get('global', 'proxy')
  if (claimProxy) proxyOthers.push({source: 'claim.conf', value: parseProxySpec(claimProxy.value).display})
  const settings: LinkSettings = {
    claimId: {source: identity.claimId.source ?? 'none', value: identity.claimId.value},
    disabled:
      cs.enabled.effective === 'off' ? {source: cs.enabled.source, value: cs.enabled.value ?? 'off'} : undefined,
    extraCa: readCaFiles(options.caFiles),
    ...agentTrustOf(env),
    insecure: cs.insecure.value,
    keyNotes,
    keyPath: cs.paths.privateKey,
    keyProblems,
    machineGuid: identity.machineGuid,
    privateKeyPem,
    problems: [],
    proxy: {source: proxyRaw.source, value: parseProxySpec(proxyRaw.value === 'env' ? 'none' : proxyRaw.value)},
    proxyOthers,
    throwAway: false,
    url: options.url ? {source: '--url', value: options.url} : cs.url,
    version,
    warnings: [...cs.warnings],
  }
  checkUrl(settings)
  return {agentView: viewPromise, settings}
}

function toLinkView(v: Awaited<ReturnType<typeof readAgentView>>): AgentLinkView {
  if (!v.reachable)
    return {
      online: null,
      reachable: false,
      source: v.problem?.message ?? 'agent API',
      summary: 'not reachable',
    }
  const aclkOnline = typeof v.aclk?.online === 'boolean' ? (v.aclk.online as boolean) : undefined
  const cloudStatus = v.cloud?.status
  const online = aclkOnline ?? (cloudStatus ? cloudStatus === 'online' : (v.info?.aclkAvailable ?? null))
  const source = aclkOnline === undefined ? (cloudStatus ? '/api/v2|v3/info cloud' : '/api/v1/info') : '/api/v1/aclk'
  const parts = [`agent ${v.version ?? '?'}: ${online === null ? 'state unknown' : online ? 'online' : 'offline'}`]
  if (cloudStatus) parts.push(`cloud.status ${cloudStatus}${v.cloud?.reason ? ` (${v.cloud.reason})` : ''}`)
  if (v.info?.agentClaimed === false) parts.push('the agent says it is not claimed')
  return {
    claimId: (v.aclk?.['claimed-id'] as string | undefined) ?? v.cloud?.claim_id ?? v.info?.claimId ?? null,
    online,
    reachable: true,
    source,
    summary: parts.join('; '),
  }
}

/** Walk with settings already made (the node's, or the emulator's throw-away identity). */
export async function walk(
  settings: LinkSettings,
  agentView: Promise<AgentLinkView | null> | undefined,
  steps: Step[],
  options: LinkOptions,
): Promise<LinkReport> {
  const started = Date.now()
  let cloud = {host: '', hostIsLiteral: false, port: 443}
  try {
    const u = new URL(settings.url.value)
    cloud = {
      host: u.hostname.replace(/^\[(.*)]$/, '$1'),
      hostIsLiteral: false,
      port: u.port ? Number(u.port) : u.protocol === 'http:' ? 80 : 443,
    }
  } catch {}

  // the MQTT client modules load while the network steps wait
  if (settings.claimId.value) Promise.all([import('ws'), import('mqtt')]).catch(() => {})
  const ctx: LinkContext = {
    agentView,
    cloud,
    connections: 0,
    disposers: [],
    idle: [],
    roundTrips: 0,
    settings,
    takeOver: Boolean(options.takeOver),
    timeoutMs: options.timeoutMs,
  }
  let records: StepRecord[]
  try {
    records = await runSteps(steps, ctx, {
      deadlineMs: options.deadlineMs,
      onProgress: options.onProgress,
      only: options.only,
      skip: options.skip,
      timeoutMs: options.timeoutMs,
    })
  } finally {
    for (const d of ctx.disposers) d()
  }

  const failed = records.find(r => r.status === 'FAIL')
  const claimed = Boolean(settings.claimId.value)
  const exitCode = failed
    ? EXIT[failed.code ?? 'bug']
    : claimed || !records.some(r => r.id === 'env' && (r.status !== 'SKIP' || r.detail.startsWith('not asked')))
      ? 0
      : EXIT.notClaimed
  const ms = Date.now() - started
  const count = (s: string) => records.filter(r => r.status === s).length
  const tally = `${count('PASS')} pass, ${count('WARN')} warn, ${count('FAIL')} fail, ${count('SKIP')} skip in ${ms} ms; ${ctx.roundTrips} round trip${ctx.roundTrips === 1 ? '' : 's'}, ${ctx.connections} TLS connection${ctx.connections === 1 ? '' : 's'}`
  let summary: string
  if (failed)
    summary = `FAIL at ${failed.id}: ${failed.detail.split('; ')[0]} (exit ${exitCode}, ${failed.code}) — ${tally}`
  else if (!claimed)
    summary = `NOT CLAIMED: Cloud is reachable up to /env; claim the node to test the rest (exit ${exitCode}) — ${tally}`
  else if (count('WARN') > 0)
    summary = `PASS with warnings: ${records
      .filter(r => r.status === 'WARN')
      .map(r => r.id)
      .join(', ')} — ${tally}`
  else summary = `PASS: the link to ${settings.url.value} works — ${tally}`
  return {
    claimed,
    emulator: settings.throwAway,
    exitCode,
    ms,
    ok: !failed,
    proxy: settings.proxy.value.display,
    roundTrips: ctx.roundTrips,
    steps: records.map(r => ({
      code: r.code,
      detail: r.detail,
      fix: r.fix,
      id: r.id,
      ms: r.ms,
      ref: r.ref,
      status: r.status,
      target: r.target,
      title: r.title,
    })),
    summary,
    tlsConnections: ctx.connections,
    url: settings.url.value,
  }
}

export async function linkNode(install: Install, options: LinkOptions): Promise<LinkReport> {
  requireInstall(install)
  // a build without ACLK cannot link: say so first (exit 11), and walk the network only when asked to (--force)
  const cannot = noAclk(await readBuild(install, 3000), install)
  if (cannot && !options.force)
    throw new UserError('noAclk', cannot.message, {
      fix: `${cannot.fix}; to test the network path anyway: netdata-cloud link --force`,
    })
  const {agentView, settings} = await nodeSettings(install, options)
  if (cannot) settings.warnings.unshift(`${cannot.message}: the agent cannot link; walking anyway (--force)`)
  return walk(settings, agentView, LINK_STEPS, options)
}

/**
 * The emulator walk: a throw-away identity (temp dir with an RSA key, a random claim id registered on the emulator).
 */
export async function linkEmulator(
  start: StartEmulator,
  options: LinkOptions & {faults?: string[]},
): Promise<LinkReport> {
  const keyPair = new Promise<{privateKey: string; publicKey: string}>((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: 2048,
        privateKeyEncoding: {format: 'pem', type: 'pkcs8'},
        publicKeyEncoding: {format: 'pem', type: 'spki'},
      },
      (err, publicKey, privateKey) => (err ? reject(err) : resolve({privateKey, publicKey})),
    )
  })
  const version = versionFrom(options.asVersion)
  const extraCa = readCaFiles(options.caFiles)
  const mqttModules = Promise.all([import('ws'), import('mqtt')]).catch(() => {})
  const [emulator, keys] = await Promise.all([start({faults: options.faults}), keyPair, mqttModules])
  const dir = mkdtempSync(join(tmpdir(), 'netdata-cloud-link-'))
  try {
    const keyPath = join(dir, 'private.pem')
    writeFileSync(keyPath, keys.privateKey, {mode: 0o600})
    const claimId = randomUUID()
    emulator.registerNode(claimId, keys.publicKey)
    const settings: LinkSettings = {
      claimId: {source: 'throw-away', value: claimId},
      extraCa: [{source: "the emulator's CA", value: emulator.caPem}, ...extraCa],
      insecure: false,
      keyNotes: ['throw-away, 0600'],
      keyPath,
      keyProblems: [],
      privateKeyPem: keys.privateKey,
      problems: [],
      proxy: {source: options.proxy ? '--proxy' : 'default (emulator: direct)', value: parseProxySpec(options.proxy)},
      proxyOthers: [],
      throwAway: true,
      url: options.url ? {source: '--url', value: options.url} : {source: 'emulator', value: emulator.url},
      version: version
        ? {source: '--as-version', value: version}
        : {source: 'emulator default: the newest era', value: [2, 11, 0]},
      warnings: [],
    }
    checkUrl(settings)
    return await walk(
      settings,
      undefined,
      LINK_STEPS.filter(s => s.id !== 'agent'),
      options,
    )
  } finally {
    rmSync(dir, {force: true, recursive: true})
    await emulator.close()
  }
}
