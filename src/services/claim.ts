// `claim` (connect): put this node in a Netdata Cloud Space, the way its agent era needs (netdata-facts.md §4).
//   v1.22–v1.47: natively what netdata-claim.sh does — key pair, PUT /api/v1/spaces/nodes/{id}, claimed_id,
//                cloud.conf (keeping the rest of an existing file), ownership, netdatacli write-config + reload.
//   v2.x:        claim.conf (root:netdata 0640) + `netdatacli reload-claiming-state`, and the agent's verdict;
//                or --direct: the request itself, then cloud.conf in the v2 format.
// Every refusal that does not need the network comes first, so a refused claim writes nothing.
// The token lives in this process only: never on a command line, in a child's environment, or in a temp file.

import {randomUUID} from 'node:crypto'
import {setTimeout as sleep} from 'node:timers/promises'
import {
  closeSync,
  constants,
  existsSync,
  fchownSync,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
} from 'node:fs'
import {hostname as osHostname} from 'node:os'
import {join} from 'node:path'

import {groupName, lookupGroup, lookupUser, userName} from '../agent/accounts.js'
import {readCloudSettings} from '../agent/cloud-settings.js'
import {cloudPaths} from '../agent/cloud-paths.js'
import {eraName, eraRules} from '../agent/era.js'
import {readIdentity} from '../agent/identity.js'
import type {Install} from '../agent/install.js'
import {ensureKeyPair} from '../agent/keypair.js'
import {type CliAnswer, netdatacli} from '../agent/netdatacli.js'
import {readServiceEnvironment} from '../agent/service-env.js'
import {compareVersions, parseVersion, type Version} from '../base/version.js'
import {
  type ClaimAnswer,
  claimAnswerError,
  claimRetryPolicy,
  interpretClaimAnswer,
  isTransientFailure,
} from '../cloud/errors.js'
import {describeProxy, httpsRequest, type HttpsOptions, type HttpsResponse, parseProxy} from '../cloud/http.js'
import {unifiedDiff} from '../config/diff.js'
import {readTextFile} from '../config/read.js'
import {editConfigText, type FileOwner, MODES, updateFileAtomically, writeFileAtomically} from '../config/write.js'
import {UserError} from '../base/errors.js'
import type {FileChange, Warning} from '../base/result.js'
import {buildinfoFromAgent, buildinfoFromFile} from './buildinfo.js'
import {mask, registerSecret} from '../base/secrets.js'

const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i
export const CLAIM_CONF_MODE = 0o640
export const CLAIMED_ID_MODE = 0o644

export interface ClaimOptions {
  install: Install
  token: string
  rooms: string[]
  /** default: cloud.conf's URL, else the era's default */
  url?: string
  /** none, env, http://…, socks5://…, socks5h://… (default: the agent's configured proxy) */
  proxy?: string
  insecure?: boolean
  /** a CA bundle to trust for the claim request (default cloud.d/cloud_fullchain.pem, v2 also trusted.pem) */
  caFile?: string
  /** v1: the claim id (default: a new random UUID, as v1.41+ and v2 agents do) */
  id?: string
  /** v1: the node name (default: netdata.conf [global] hostname, else the host's name) */
  hostname?: string
  force?: boolean
  dryRun?: boolean
  /** v2: send the request ourselves instead of letting the agent claim from claim.conf */
  direct?: boolean
  /** run netdatacli to tell a running agent (default true) */
  reload?: boolean
  /** milliseconds for each attempt of the claim request */
  timeoutMs?: number
  /** attempts after the first (default: the era's, see claimRetryPolicy) */
  retries?: number
  /** testing / offline: a saved `netdata -W buildinfo` that stands for this agent's build */
  buildinfoFile?: string
  onProgress?: (message: string) => void
}

export interface ClaimResult {
  claimId: null | string
  nodeId: null | string
  url: string
  rooms: string[]
  files: FileChange[]
  changed: boolean
  dryRun: boolean
  method: 'v1-native' | 'v2-claim.conf' | 'v2-direct'
  agentVersion: null | string
  era: string
  proxy: string
  request?: {method: 'PUT'; url: string; headers: Record<string, string>; body: Record<string, unknown>}
  answer?: {status: number; ms: number; errorMsgKey?: string; message: string}
  /** every attempt of the request before the last one, and why it was sent again */
  retried?: {claimId: string; outcome: string; waitedMs: number}[]
  agent: {state: 'failed' | 'not-running' | 'ok' | 'skipped'; messages: string[]}
  warnings: Warning[]
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

export interface TokenSources {
  file?: string
  stdin?: boolean
  env: NodeJS.ProcessEnv
  /** a TTY is attached (a prompt may be shown) */
  interactive: boolean
  prompt: () => Promise<string>
  readStdin?: () => string
}

/**
 * The claim token from --token-file, --token-stdin, NETDATA_CLAIM_TOKEN, or a prompt, in that order.
 * It is registered as a secret at once, and NETDATA_CLAIM_TOKEN is removed from our environment so no child inherits
 * it.
 */
export async function readClaimToken(src: TokenSources): Promise<{token: string; source: string; warnings: Warning[]}> {
  const warnings: Warning[] = []
  let token: string
  let source: string
  const fromEnv = src.env.NETDATA_CLAIM_TOKEN
  if (fromEnv !== undefined) delete src.env.NETDATA_CLAIM_TOKEN
  if (src.file) {
    const st = statOrNull(src.file)
    if (st && st.mode & 0o004)
      warnings.push({
        fix: `chmod 600 ${src.file}`,
        message: `${src.file} is readable by every user (mode ${(st.mode & 0o777).toString(8)})`,
      })
    const text = readTextFile(src.file, 'token file', 64 * 1024)
    if (text === null) throw new UserError('badInput', `--token-file ${src.file}: no such file`)
    token = stripFinalNewline(text)
    source = src.file
  } else if (src.stdin) {
    token = stripFinalNewline((src.readStdin ?? (() => readFileSync(0, 'utf8')))())
    source = 'stdin'
  } else if (fromEnv !== undefined) {
    token = fromEnv
    source = 'NETDATA_CLAIM_TOKEN'
  } else if (src.interactive) {
    token = await src.prompt()
    source = 'prompt'
  } else {
    throw new UserError('badInput', 'no claim token given', {
      fix: 'pass --token-file FILE, --token-stdin, or set NETDATA_CLAIM_TOKEN (never put the token on the command line)',
    })
  }

  registerSecret(token)
  registerSecret(token.trim())
  return {source, token, warnings}
}

function stripFinalNewline(s: string): string {
  return s.replace(/\r?\n$/, '')
}

function statOrNull(path: string) {
  try {
    return lstatSync(path)
  } catch {
    return null
  }
}

/** What is wrong with a value meant for the claim request (quotes from compose files, spaces, control chars). */
function badCharacters(value: string): null | string {
  if (/["'`]/.test(value))
    return `contains a quote character (${/["'`]/.exec(value)![0]}): a stray quote from a compose or .env file?`
  if (/[\u0000-\u001F\u007F]/.test(value)) return 'contains a control character (a line break or tab?)'
  if (/\s/.test(value)) return 'contains whitespace'
  if (/[^\u0020-\u007E]/.test(value)) return 'contains a non-ASCII character'
  return null
}

export interface ValidInputs {
  token: string
  url: string
  rooms: string[]
  id?: string
  hostname?: string
}

/** Check everything before anything is sent. Throws badInput naming the value and what is wrong. */
export function validateClaimInputs(input: {
  token: string
  url: string
  rooms: string[]
  id?: string
  hostname?: string
}): ValidInputs {
  const tokenProblem =
    input.token === ''
      ? 'is empty'
      : (badCharacters(input.token) ?? (input.token.length > 1024 ? 'is longer than 1024 characters' : null))
  if (tokenProblem)
    throw new UserError('badInput', `the claim token ${tokenProblem} (token ${mask(input.token)})`, {
      fix: 'copy the token again from Netdata Cloud → Connect nodes, without quotes or spaces',
    })
  const urlProblem = badCharacters(input.url)
  if (urlProblem)
    throw new UserError('badInput', `--url ${JSON.stringify(input.url)} ${urlProblem}`, {
      fix: 'e.g. --url https://app.netdata.cloud',
    })
  let u: URL
  try {
    u = new URL(input.url)
  } catch {
    throw new UserError('badInput', `--url ${JSON.stringify(input.url)}: not a URL`, {
      fix: 'e.g. --url https://app.netdata.cloud',
    })
  }

  if (u.protocol !== 'https:')
    throw new UserError('badInput', `--url ${input.url}: Netdata Cloud is reached over https:// only`, {
      fix: 'e.g. --url https://app.netdata.cloud',
    })
  if (u.username || u.password || u.search || u.hash)
    throw new UserError('badInput', `--url ${u.origin}…: no credentials, query or fragment allowed in the Cloud URL`)
  const url = u.href.replace(/\/+$/, '')
  const rooms: string[] = []
  for (const raw of input.rooms) {
    const room = raw.trim()
    if (room === '') continue
    const p = badCharacters(room)
    if (p)
      throw new UserError('badInput', `room ${JSON.stringify(room)} ${p}`, {
        fix: 'pass room ids separated by commas: --rooms ID1,ID2',
      })
    if (!UUID.test(room))
      throw new UserError('badInput', `room ${JSON.stringify(room)} is not a room id (a UUID like 0f3c…-…)`, {
        fix: 'copy the room ids from the Connect nodes dialog in Netdata Cloud',
      })
    rooms.push(room)
  }

  if (input.id !== undefined && !UUID.test(input.id))
    throw new UserError('badInput', `--id ${JSON.stringify(input.id)} is not a UUID`, {
      fix: 'e.g. --id $(uuidgen), or omit it',
    })
  if (input.hostname !== undefined) {
    const p =
      badCharacters(input.hostname) ??
      (input.hostname === '' || input.hostname.length > 255 ? 'must be 1–255 characters' : null)
    if (p) throw new UserError('badInput', `--hostname ${JSON.stringify(input.hostname)} ${p}`)
  }

  return {
    hostname: input.hostname,
    id: input.id?.toLowerCase(),
    rooms,
    token: input.token,
    url,
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Build, permission, state: the refusals

interface Agent {
  version: null | Version
  versionText: null | string
  v2: boolean
}

async function examineBuild(options: ClaimOptions): Promise<Agent> {
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

function checkPermission(install: Install, needRoot: boolean): FileOwner | undefined {
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

// ---------------------------------------------------------------------------------------------------------------
// The claim

export async function claimNode(options: ClaimOptions): Promise<ClaimResult> {
  const progress = options.onProgress ?? (() => {})
  const {install} = options
  progress('checking the agent build')
  const agent = await examineBuild(options)
  const rules = eraRules(agent.version)
  const paths = cloudPaths(install, agent.version)
  const settings = readCloudSettings(install, agent.version)
  const method: ClaimResult['method'] = agent.v2 ? (options.direct ? 'v2-direct' : 'v2-claim.conf') : 'v1-native'
  const input = validateClaimInputs({
    hostname: options.hostname,
    id: options.id,
    rooms: options.rooms,
    token: options.token,
    url: options.url ?? settings.url.value,
  })
  if (agent.v2 && !options.direct && (options.id || options.hostname)) {
    throw new UserError(
      'badInput',
      '--id and --hostname are not supported by v2 agents claiming from claim.conf (the agent picks a random claim id and uses its own hostname)',
      {
        fix: 'drop them, or add --direct to send the claim request from netdata-cloud',
      },
    )
  }

  const proxyValue = options.proxy ?? settings.proxy.value
  const proxy = parseProxy(proxyValue, options.proxy ? 'flag' : settings.proxy.source, process.env, input.url)
  const owner = checkPermission(install, method === 'v2-claim.conf')
  const identity = readIdentity(paths, {cloudConf: settings.cloudConf, v2: agent.v2})
  const warnings: Warning[] = settings.warnings.map(message => ({message}))
  if (identity.claimId.value && !options.force) {
    throw new UserError(
      'alreadyClaimed',
      `this node is already claimed (claim id ${identity.claimId.value}, from ${identity.claimId.source}); nothing was changed`,
      {
        fix: "to move it to another Space: `netdata-cloud unclaim --yes`, then claim with that Space's token; or `netdata-cloud claim --force` to claim again with a new claim id",
      },
    )
  }

  if (agent.v2) {
    for (const v of readServiceEnvironment(install)) {
      if (v.name.startsWith('NETDATA_CLAIM_'))
        warnings.push({
          message: `${v.name} is set for the agent's service (${v.source}): the agent claims with it whenever it has no claim id; edit that file if it is stale`,
        })
    }
  }

  const base: Omit<ClaimResult, 'agent' | 'changed' | 'claimId' | 'files'> = {
    agentVersion: agent.versionText,
    dryRun: Boolean(options.dryRun),
    era: eraName(agent.version ?? [1, 37, 1]),
    method,
    nodeId: null,
    proxy: describeProxy(proxy),
    rooms: input.rooms,
    url: input.url,
    warnings,
  }
  if (method === 'v2-claim.conf')
    return claimWithClaimConf(options, input, base, {
      claimConf: paths.claimConf,
      cloudConf: paths.cloudConf,
      proxy: proxyValue,
    })

  // the request, as the agent sends it (v1 script: same fields, unescaped; v2: minified JSON with Content-Type)
  const files: FileChange[] = []
  let claimId = input.id ?? randomUUID()
  const machineGuid = identity.machineGuid ?? randomUUID()
  const dirOptions = {mode: MODES.cloudDir, owner}
  if (!identity.machineGuid) {
    warnings.push({
      message: `${paths.machineGuid} is missing or not a UUID: a new machine GUID ${options.dryRun ? 'would be' : 'was'} created (as netdata-claim.sh does)`,
    })
    if (!options.dryRun)
      writeFileAtomically(paths.machineGuid, machineGuid, {
        createDir: {mode: 0o755, owner},
        mode: 0o644,
        owner,
        what: 'machine GUID',
      })
    files.push(change(paths.machineGuid, options.dryRun, true))
  }

  progress(
    identity.publicKey.parses && identity.keysMatch
      ? 'using the existing key pair'
      : 'generating the RSA-2048 key pair',
  )
  const keys = ensureKeyPair({privateKey: paths.privateKey, publicKey: paths.publicKey}, owner, {
    createDir: dirOptions,
    dryRun: options.dryRun,
  })
  for (const f of keys.written) files.push(change(f, options.dryRun, keys.action === 'generated' || !existsSync(f)))
  const hostname = input.hostname ?? (install.netdataConf?.get('global', 'hostname')?.value || osHostname())
  const body = {
    node: {hostname, id: claimId},
    token: input.token,
    rooms: input.rooms,
    publicKey: keys.publicPem,
    mGUID: machineGuid,
  }
  const urlFor = (id: string) => `${input.url}/api/v1/spaces/nodes/${id}`
  const requestUrl = urlFor(claimId)
  const request = {
    body: {...body, publicKey: `${keys.publicPem.split('\n')[0]}… (${keys.action})`, token: mask(input.token)},
    headers: {'Content-Type': 'application/json'},
    method: 'PUT' as const,
    url: requestUrl,
  }
  const caFile =
    options.caFile ??
    [...(agent.v2 ? [join(paths.cloudDir, 'trusted.pem')] : []), join(paths.cloudDir, 'cloud_fullchain.pem')].find(f =>
      existsSync(f),
    )
  const cloudConfEdit = (before: null | string) =>
    editConfigText(before, doc => {
      let changed = false
      if (agent.v2) {
        changed = doc.set('global', 'url', input.url) || changed
        changed = doc.set('global', 'claimed_id', claimId) || changed
        changed = doc.set('global', 'rooms', input.rooms.join(',')) || changed
        if (options.proxy) changed = doc.set('global', 'proxy', options.proxy) || changed
        if (options.insecure) changed = doc.set('global', 'insecure', 'yes') || changed
      } else {
        changed = doc.set('global', 'enabled', 'yes') || changed
        changed = doc.set('global', rules.urlKey, input.url) || changed
        if (options.proxy && agent.version && compareVersions(agent.version, [1, 46, 0]) >= 0)
          changed = doc.set('global', 'proxy', options.proxy) || changed
      }

      return changed
    })

  if (options.dryRun) {
    const cc = updateFileAtomically(paths.cloudConf, cloudConfEdit, {dryRun: true})
    files.push(change(paths.claimedId, true, !existsSync(paths.claimedId)), {
      ...change(paths.cloudConf, true, cc.created),
      diff: await unifiedDiff(paths.cloudConf, cc.before, cc.after),
    })
    return {
      ...base,
      agent: {messages: [], state: 'skipped'},
      changed: true,
      claimId,
      files,
      request,
    }
  }

  const sent = await sendClaimRequest({
    body,
    fixedId: Boolean(input.id),
    headers: request.headers,
    http: {
      caFile,
      env: process.env,
      insecure: options.insecure,
      proxy: proxyValue,
      proxySource: proxy.source,
      timeoutMs: options.timeoutMs,
    },
    progress,
    proxyText: describeProxy(proxy),
    retries: options.retries,
    urlFor,
    v2: agent.v2,
  })
  const {answer, response, retried} = sent
  claimId = sent.claimId
  progress('claimed: writing claimed_id and cloud.conf')
  const id = writeFileAtomically(paths.claimedId, claimId, {
    createDir: dirOptions,
    mode: CLAIMED_ID_MODE,
    owner,
    what: 'claimed_id',
  })
  files.push(change(paths.claimedId, false, id.created))
  const cc = updateFileAtomically(paths.cloudConf, cloudConfEdit, {
    createDir: dirOptions,
    mode: MODES.cloudConf,
    owner,
    what: 'cloud.conf',
  })
  files.push({...change(paths.cloudConf, false, cc.created), ...(cc.changed ? {} : {action: 'unchanged'})})
  if (!agent.v2) removeSplitToken(paths.cloudDir)
  if (owner) fixOwnership(paths.cloudDir, owner)
  for (const f of files) Object.assign(f, describeFile(f.path))
  const agentAnswer =
    options.reload === false
      ? {messages: ['--no-reload: the agent was not told'], state: 'skipped' as const}
      : await tellAgent(install, agent.v2, input.url)
  return {
    ...base,
    agent: agentAnswer,
    answer: {message: answer.message, ms: response.ms, status: response.status},
    changed: true,
    claimId,
    files,
    request,
    ...(retried.length > 0 ? {retried} : {}),
  }
}

interface ClaimSend {
  body: Record<string, unknown> & {node: {hostname: string; id: string}}
  /** --id: every attempt keeps it */
  fixedId: boolean
  headers: Record<string, string>
  http: HttpsOptions
  /** --retries (default: the era's) */
  retries?: number
  progress: (message: string) => void
  proxyText: string
  urlFor: (claimId: string) => string
  v2: boolean
}

/**
 * The claim PUT, sent again as the era's policy says (claimRetryPolicy). Returns the answer that ended it (204 or not),
 * with the claim id it was for; throws the last transport failure, naming the attempts before it.
 */
async function sendClaimRequest(send: ClaimSend): Promise<{
  answer: ClaimAnswer
  response: HttpsResponse
  claimId: string
  retried: NonNullable<ClaimResult['retried']>
}> {
  const policy = claimRetryPolicy(send.v2, send.retries)
  const retried: NonNullable<ClaimResult['retried']> = []
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1 && policy.newIdEachAttempt && !send.fixedId) send.body.node.id = randomUUID()
    const claimId = send.body.node.id
    const url = send.urlFor(claimId)
    send.progress(`PUT ${url} (${send.proxyText})${attempt > 1 ? `, attempt ${attempt} of ${policy.retries + 1}` : ''}`)
    const last = attempt > policy.retries
    let failure = ''
    let response: HttpsResponse | undefined
    try {
      response = await httpsRequest(
        {
          body: JSON.stringify(send.body),
          headers: send.headers,
          method: 'PUT',
          url,
        },
        send.http,
      )
    } catch (error) {
      if (last || !isTransientFailure(error)) throw withAttempts(error, retried)
      failure = (error as UserError).message
    }

    if (response) {
      const answer = interpretClaimAnswer(response.status, response.body)
      if (answer.ok)
        return {
          answer,
          claimId,
          response,
          retried,
        }
      if (last || !answer.retryable || !policy.retryAnswers) throw withAttempts(claimAnswerError(answer, url), retried)
      failure = answer.message
    }

    const wait = policy.delayMs(attempt)
    retried.push({claimId, outcome: failure, waitedMs: wait})
    send.progress(`${failure}: trying again in ${wait} ms`)
    await sleep(wait)
  }
}

/** A failed claim says how many attempts it took. */
function withAttempts(error: unknown, retried: NonNullable<ClaimResult['retried']>): unknown {
  if (retried.length === 0 || !(error instanceof UserError)) return error
  return new UserError(
    error.code,
    `${error.message} (attempt ${retried.length + 1}; before: ${retried.map(r => r.outcome).join('; ')})`,
    {cause: error, fix: error.fix, ref: error.ref},
  )
}

type ClaimBase = Omit<ClaimResult, 'agent' | 'changed' | 'claimId' | 'files'>

async function claimWithClaimConf(
  options: ClaimOptions,
  input: ValidInputs,
  base: ClaimBase,
  where: {claimConf: string; cloudConf: string; proxy: string},
): Promise<ClaimResult> {
  const {claimConf, cloudConf, proxy} = where
  const lines = ['[global]', `    url = ${input.url}`, `    token = ${input.token}`]
  if (input.rooms.length > 0) lines.push(`    rooms = ${input.rooms.join(',')}`)
  if (options.proxy) lines.push(`    proxy = ${proxy}`)
  if (options.insecure) lines.push('    insecure = yes')
  const text = lines.join('\n') + '\n'
  const group = lookupGroup(options.install.runAsUser)
  const owner = {gid: group?.gid ?? 0, uid: 0}
  const st = statOrNull(claimConf)
  if (st && st.mode & 0o007)
    base.warnings.push({
      fix: `chmod 0640 ${claimConf}`,
      message: `${claimConf} is readable by other users (mode ${(st.mode & 0o777).toString(8)}) and holds the token`,
    })
  const r = updateFileAtomically(claimConf, () => text, {
    dryRun: options.dryRun,
    mode: CLAIM_CONF_MODE,
    owner,
    what: 'claim.conf',
  })
  const file: FileChange = r.changed
    ? change(claimConf, options.dryRun, r.created)
    : {action: 'unchanged', path: claimConf}
  if (options.dryRun) {
    file.diff = (await unifiedDiff(claimConf, r.before, r.after)).split(input.token).join(mask(input.token))
    return {
      ...base,
      agent: {messages: [], state: 'skipped'},
      changed: r.changed,
      claimId: null,
      files: [file],
    }
  }

  Object.assign(file, describeFile(claimConf))
  let agent: ClaimResult['agent'] = {
    messages: ['--no-reload: the agent claims from claim.conf when it starts or reloads'],
    state: 'skipped',
  }
  if (options.reload !== false) {
    options.onProgress?.('netdatacli reload-claiming-state (the agent claims and reports)')
    agent = answerOf(
      await cli(options.install, ['reload-claiming-state'], 30_000),
      'the agent claims from claim.conf when it starts',
    )
  }

  let claimId: null | string = null
  try {
    const cc = readTextFile(cloudConf, 'cloud.conf')
    claimId = cc ? (/^\s*claimed_id\s*=\s*(\S+)\s*$/m.exec(cc)?.[1] ?? null) : null
  } catch {}

  const failed = agent.messages.some(m => /is not claimed/.test(m))
  if (failed) agent.state = 'failed'
  return {
    ...base,
    agent,
    changed: r.changed,
    claimId,
    files: [file],
  }
}

// ---------------------------------------------------------------------------------------------------------------
// After the claim

async function cli(install: Install, args: string[], timeoutMs = 5000): Promise<CliAnswer | null> {
  if (!install.netdatacli) return null
  return netdatacli(install.netdatacli, args, timeoutMs)
}

function answerOf(a: CliAnswer | null, notRunning: string): ClaimResult['agent'] {
  if (a === null) return {messages: [`no netdatacli found: ${notRunning}`], state: 'not-running'}
  if (a.state === 'no-agent')
    return {messages: [`the agent is not running (${a.message}): ${notRunning}`], state: 'not-running'}
  if (a.state === 'failed') return {messages: [a.message], state: 'failed'}
  return {messages: a.output.trim() ? [a.output.trim()] : [], state: 'ok'}
}

/** v1 never re-reads cloud.conf at runtime: push the values into memory first, as the script does (§2.2, §4.4). */
async function tellAgent(install: Install, v2: boolean, url: string): Promise<ClaimResult['agent']> {
  const later = 'restart the agent (or run `netdatacli reload-claiming-state` once it runs) to connect'
  if (!v2) {
    const first = await cli(install, ['write-config', 'cloud|global|enabled|yes'])
    if (first === null || first.state === 'no-agent') return answerOf(first, 'it reads the new claim when it starts')
    await cli(install, ['write-config', `cloud|global|cloud base url|${url}`])
  }

  const a = answerOf(await cli(install, ['reload-claiming-state'], 30_000), 'it reads the new claim when it starts')
  if (a.state === 'ok' && a.messages.length === 0) a.messages.push('the agent reloaded its claiming state')
  if (a.state === 'failed') a.messages.push(later)
  return a
}

/** The v1 script deletes cloud.d/token after a successful claim. */
function removeSplitToken(cloudDir: string): void {
  const p = join(cloudDir, 'token')
  if (!existsSync(p)) return
  try {
    unlinkSync(p)
  } catch {}
}

/** `chown -R USER:GROUP cloud.d` as the script does, without following a link: fchown on descriptors. */
function fixOwnership(cloudDir: string, owner: FileOwner): void {
  const fix = (path: string, flags: number) => {
    let fd: number
    try {
      fd = openSync(path, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK)
    } catch {
      return
    }

    try {
      const st = fstatSync(fd)
      if ((st.isFile() || st.isDirectory()) && (st.uid !== owner.uid || st.gid !== owner.gid))
        fchownSync(fd, owner.uid, owner.gid)
    } finally {
      closeSync(fd)
    }
  }

  fix(cloudDir, constants.O_RDONLY | constants.O_DIRECTORY)
  for (const name of safeList(cloudDir)) fix(join(cloudDir, name), constants.O_RDONLY)
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).filter(n => !n.startsWith('.netdata-cloud'))
  } catch {
    return []
  }
}

function change(path: string, dryRun: boolean | undefined, created: boolean): FileChange {
  if (dryRun) return {action: created ? 'would-create' : 'would-update', path}
  return {action: created ? 'created' : 'updated', path}
}

function describeFile(path: string): {mode?: string; owner?: string} {
  const st = statOrNull(path)
  if (!st) return {}
  return {mode: '0' + (st.mode & 0o777).toString(8), owner: `${userName(st.uid)}:${groupName(st.gid)}`}
}
