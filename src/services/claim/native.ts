// v1 natively (what netdata-claim.sh does) and v2 --direct: the key pair, the PUT, then claimed_id and cloud.conf,
// the ownership the agent needs, and the running agent told.

import {randomUUID} from 'node:crypto'
import {closeSync, constants, existsSync, fchownSync, fstatSync, openSync, readdirSync, unlinkSync} from 'node:fs'
import {join} from 'node:path'

import {claimRecordPath, claimRecordText} from '../../agent/claim-record.js'
import {readAgentView} from '../../agent/api.js'
import type {CloudPaths} from '../../agent/cloud-paths.js'
import type {EraRules} from '../../agent/era.js'
import {agentHostname, type Identity} from '../../agent/identity.js'
import {ensureKeyPair} from '../../agent/keypair.js'
import {errnoCode} from '../../base/errors.js'
import type {FileChange} from '../../base/result.js'
import {mask} from '../../base/secrets.js'
import {compareVersions} from '../../base/version.js'
import {sendClaimRequest} from '../../cloud/claim-request.js'
import {describeProxy, type Proxy} from '../../cloud/proxy.js'
import {unifiedDiff} from '../../config/diff.js'
import {readTextFile} from '../../config/read.js'
import {
  checkWritable,
  editConfigText,
  type FileOwner,
  MODES,
  updateFileAtomically,
  writeFileAtomically,
} from '../../config/write.js'
import type {ClaimOptions, ClaimResult} from '../claim.js'
import type {ClaimBase} from './claim-conf.js'
import {change, describeFile} from './files.js'
import type {ValidInputs} from './inputs.js'
import type {ClaimAgent} from './refusals.js'
import {tellAgent} from './tell-agent.js'

export const CLAIMED_ID_MODE = 0o644

export interface NativeClaim {
  agent: ClaimAgent
  base: ClaimBase
  identity: Identity
  input: ValidInputs
  owner?: FileOwner
  paths: CloudPaths
  proxy: Proxy
  proxyValue: string
  rules: EraRules
}

/** The claim as the v1 script sends it (and v2 --direct): files first only where the request needs them (the key). */
export async function claimNatively(options: ClaimOptions, claim: NativeClaim): Promise<ClaimResult> {
  const progress = options.onProgress ?? (() => {})
  const {agent, base, identity, input, owner, paths, proxy, proxyValue, rules} = claim
  const {install} = options
  const {warnings} = base
  // the request, as the agent sends it (v1 script: same fields, unescaped; v2: minified JSON with Content-Type)
  const files: FileChange[] = []
  let claimId = input.id ?? randomUUID()
  const machineGuid = identity.machineGuid ?? randomUUID()
  const dirOptions = {mode: MODES.cloudDir, owner}
  const recordPath = claimRecordPath(paths.cloudDir)
  // every file this claim writes, checked before the first change and the request (issue 13: a read-only or full
  // cloud.d got the machine GUID written first; a planted claimed_id link was found only after Cloud said yes)
  if (!options.dryRun) {
    if (!identity.machineGuid) checkWritable(paths.machineGuid, {createDir: {mode: 0o755, owner}})
    for (const f of [paths.privateKey, paths.publicKey, paths.claimedId, paths.cloudConf, recordPath])
      checkWritable(f, {createDir: dirOptions})
  }

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
  const hostname =
    input.hostname ??
    agentHostname(install, await readAgentView(install.agentUrl, 2000).catch(() => null), identity.machineGuid).value
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
  // a CA bundle found in cloud.d is the agent user's file: the same checked read as every file there (no link, no
  // hard link, no stranger's file)
  if (caFile && !options.caFile && !options.dryRun)
    readTextFile(caFile, 'CA bundle', 4 * 1024 * 1024, {
      owners: [0, process.geteuid?.() ?? 0, ...(owner ? [owner.uid] : [])],
    })
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
    files.push(
      change(paths.claimedId, true, !existsSync(paths.claimedId)),
      {
        ...change(paths.cloudConf, true, cc.created),
        diff: await unifiedDiff(paths.cloudConf, cc.before, cc.after),
      },
      change(recordPath, true, !existsSync(recordPath)),
    )
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
  // what Cloud was told, for status to compare with the agent's identity later (nothing on the node keeps it)
  const record = writeFileAtomically(
    recordPath,
    claimRecordText({
      at: new Date().toISOString(),
      by: `netdata-cloud ${options.toolVersion ?? ''}`.trim(),
      claimId,
      hostname,
      machineGuid,
      method: agent.v2 ? 'v2-direct' : 'v1-native',
      url: input.url,
    }),
    {createDir: dirOptions, mode: CLAIMED_ID_MODE, owner, what: 'claim record'},
  )
  files.push(change(recordPath, false, record.created))
  if (!agent.v2) removeSplitToken(paths.cloudDir)
  if (owner) for (const message of fixOwnership(paths.cloudDir, owner)) warnings.push({message})
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

/** The v1 script deletes cloud.d/token after a successful claim. */
function removeSplitToken(cloudDir: string): void {
  const p = join(cloudDir, 'token')
  if (!existsSync(p)) return
  try {
    unlinkSync(p)
  } catch {}
}

/**
 * `chown -R USER:GROUP cloud.d` as the script does, without following a link: fchown on descriptors. A file with more
 * than one link (maybe another file linked in) or owned by somebody else is skipped and reported, never chowned.
 */
export function fixOwnership(cloudDir: string, owner: FileOwner): string[] {
  const skipped: string[] = []
  const expected = new Set([0, owner.uid, process.geteuid?.() ?? 0])
  const fix = (path: string, flags: number) => {
    let fd: number
    try {
      fd = openSync(path, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK)
    } catch (error) {
      if (errnoCode(error) === 'ELOOP') skipped.push(`${path}: a symbolic link; its owner was not changed`)
      return
    }

    try {
      const st = fstatSync(fd)
      if (!st.isFile() && !st.isDirectory()) return
      if (st.uid === owner.uid && st.gid === owner.gid) return
      if (st.isFile() && st.nlink > 1)
        skipped.push(`${path}: has ${st.nlink} hard links (maybe another file linked in); its owner was not changed`)
      else if (!expected.has(st.uid))
        skipped.push(`${path}: owned by uid ${st.uid}, neither root nor the agent's user; its owner was not changed`)
      else fchownSync(fd, owner.uid, owner.gid)
    } finally {
      closeSync(fd)
    }
  }

  fix(cloudDir, constants.O_RDONLY | constants.O_DIRECTORY)
  for (const name of safeList(cloudDir)) fix(join(cloudDir, name), constants.O_RDONLY)
  return skipped
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).filter(n => !n.startsWith('.netdata-cloud'))
  } catch {
    return []
  }
}
