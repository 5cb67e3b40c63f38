// The node's cloud identity on disk: claim id, key pair, machine GUID, and the owners/modes of the files that hold
// them (netdata-facts.md §2.3, §8). Read-only: claim/unclaim write these through the one writer.

import {createPrivateKey, createPublicKey} from 'node:crypto'
import {lstatSync} from 'node:fs'
import {hostname as osHostname} from 'node:os'

import {groupName, userName} from './accounts.js'
import type {AgentView} from './api.js'
import type {CloudPaths} from './cloud-paths.js'
import type {Install} from './install.js'
import type {ConfigDocument} from '../config/document.js'
import {readTextFile} from '../config/read.js'

export interface FileState {
  path: string
  exists: boolean
  kind?: 'directory' | 'file' | 'other' | 'symlink'
  /** e.g. 0750 */
  mode?: string
  owner?: string
  group?: string
}

export interface Identity {
  claimId: {value: null | string; source: null | string; problem?: string}
  privateKey: {file: FileState; parses: boolean; problem?: string}
  publicKey: {file: FileState; parses: boolean; problem?: string}
  /** null when either key is missing or unreadable */
  keysMatch: boolean | null
  machineGuid: null | string
  cloudDir: FileState
  claimedIdFile: FileState
}

const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i

export function fileState(path: string): FileState {
  try {
    const st = lstatSync(path)
    const kind = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : st.isFile() ? 'file' : 'other'
    return {
      exists: true,
      group: groupName(st.gid),
      kind,
      mode: '0' + (st.mode & 0o7777).toString(8).padStart(3, '0'),
      owner: userName(st.uid),
      path,
    }
  } catch {
    return {exists: false, path}
  }
}

function safeRead(path: string, what: string, owners: readonly number[]): {problem?: string; text: null | string} {
  try {
    return {text: readTextFile(path, what, 1024 * 1024, {owners})}
  } catch (error) {
    return {problem: (error as Error).message, text: null}
  }
}

/**
 * Read the identity. `cloudConf` is the parsed cloud.conf (v2 keeps the canonical claim id there). `owners`: the uids
 * that may own these files (agentFileOwners): a symlink, a hard link or another owner is refused, not read.
 * v1 parses claimed_id with libuuid: exactly 36 characters, so a trailing newline makes the node unclaimed.
 */
export function readIdentity(
  paths: CloudPaths,
  options: {v2: boolean; cloudConf: ConfigDocument | null; owners: readonly number[]},
): Identity {
  const {owners} = options
  const claimedIdFile = fileState(paths.claimedId)
  let claimId: Identity['claimId'] = {source: null, value: null}
  const fromConf = options.v2 ? options.cloudConf?.get('global', 'claimed_id')?.value : undefined
  if (fromConf) claimId = {source: `${paths.cloudConf} [global] claimed_id`, value: fromConf}
  else if (claimedIdFile.exists) {
    const read = safeRead(paths.claimedId, 'claimed_id', owners)
    if (read.text === null) claimId = {problem: read.problem ?? 'unreadable', source: paths.claimedId, value: null}
    else {
      const raw = read.text
      const trimmed = raw.trim()
      if (!UUID.test(trimmed))
        claimId = {
          problem: `${paths.claimedId} does not hold a UUID (${JSON.stringify(raw.slice(0, 60))})`,
          source: paths.claimedId,
          value: null,
        }
      else if (raw !== trimmed && !options.v2) {
        claimId = {
          problem: `${paths.claimedId} has whitespace or a newline around the UUID: v1 agents then treat the node as unclaimed`,
          source: paths.claimedId,
          value: trimmed,
        }
      } else claimId = {source: paths.claimedId, value: trimmed}
    }
  }

  const privateKey: Identity['privateKey'] = {file: fileState(paths.privateKey), parses: false}
  const publicKey: Identity['publicKey'] = {file: fileState(paths.publicKey), parses: false}
  let privPem: null | string = null
  let pubPem: null | string = null
  if (privateKey.file.exists) {
    const read = safeRead(paths.privateKey, 'private key', owners)
    privPem = read.text
    if (privPem === null) privateKey.problem = read.problem
  }

  if (publicKey.file.exists) {
    const read = safeRead(paths.publicKey, 'public key', owners)
    pubPem = read.text
    if (pubPem === null) publicKey.problem = read.problem
  }

  let keysMatch: boolean | null = null
  try {
    if (privPem !== null) {
      const key = createPrivateKey(privPem)
      privateKey.parses = true
      if (key.asymmetricKeyType !== 'rsa') privateKey.problem = `not an RSA key (${key.asymmetricKeyType})`
      if (pubPem !== null) {
        const pub = createPublicKey(pubPem)
        publicKey.parses = true
        const a = createPublicKey(key).export({format: 'der', type: 'spki'})
        const b = pub.export({format: 'der', type: 'spki'})
        keysMatch = a.equals(b)
      }
    }
  } catch (error) {
    const {message} = error as Error
    if (privateKey.parses) publicKey.problem = `does not parse as a public key (${message})`
    else privateKey.problem = `does not parse as a private key (${message})`
  }

  if (!publicKey.parses && pubPem !== null && !publicKey.problem) {
    try {
      createPublicKey(pubPem)
      publicKey.parses = true
    } catch (error) {
      publicKey.problem = `does not parse as a public key (${(error as Error).message})`
    }
  }

  const guid = safeRead(paths.machineGuid, 'machine GUID', owners).text?.trim() ?? null
  return {
    claimedIdFile,
    claimId,
    cloudDir: fileState(paths.cloudDir),
    keysMatch,
    machineGuid: guid && UUID.test(guid) ? guid : null,
    privateKey,
    publicKey,
  }
}

/**
 * The name the agent knows itself by (what Cloud should be told; netdata-claim.sh run by hand sends bash's $HOSTNAME
 * instead): the running agent's own hostname, else netdata.conf [global] hostname, else the host's name (the agent's
 * default). With `ownGuid`, the running agent's name counts only when it is this install's agent (the same GUID).
 */
export function agentHostname(
  install: Pick<Install, 'agentUrl' | 'netdataConf'>,
  view: AgentView | null,
  ownGuid?: null | string,
): {value: string; source: string} {
  const own =
    ownGuid === undefined || (ownGuid !== null && view?.info?.machineGuid?.toLowerCase() === ownGuid.toLowerCase())
  if (view?.reachable && own && view.info?.hostname)
    return {source: `the running agent (${install.agentUrl})`, value: view.info.hostname}
  const conf = install.netdataConf?.get('global', 'hostname')
  if (conf?.value) return {source: `netdata.conf:${conf.line} [global] hostname`, value: conf.value}
  return {source: "the host's name (the agent's default)", value: osHostname()}
}
