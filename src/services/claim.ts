// `claim` (connect): put this node in a Netdata Cloud Space, the way its agent era needs (netdata-facts.md §4).
//   v1.22–v1.47: natively what netdata-claim.sh does — key pair, PUT /api/v1/spaces/nodes/{id}, claimed_id,
//                cloud.conf (keeping the rest of an existing file), ownership, netdatacli write-config + reload.
//   v2.x:        claim.conf (root:netdata 0640) + `netdatacli reload-claiming-state`, and the agent's verdict;
//                or --direct: the request itself, then cloud.conf in the v2 format.
// Every refusal that does not need the network comes first, so a refused claim writes nothing.
// The token lives in this process only: never on a command line, in a child's environment, or in a temp file.

import {dirname, join} from 'node:path'

import {agentFileOwners} from '../agent/accounts.js'
import {readCloudSettings} from '../agent/cloud-settings.js'
import {cloudPaths} from '../agent/cloud-paths.js'
import {eraName, eraRules} from '../agent/era.js'
import {readIdentity} from '../agent/identity.js'
import type {Install} from '../agent/install.js'
import {readServiceEnvironment} from '../agent/service-env.js'
import {UserError} from '../base/errors.js'
import type {FileChange, Warning} from '../base/result.js'
import type {ClaimAttempt} from '../cloud/claim-request.js'
import {describeProxy, parseProxy} from '../cloud/proxy.js'
import {claimWithClaimConf} from './claim/claim-conf.js'
import {validateClaimInputs} from './claim/inputs.js'
import {claimNatively} from './claim/native.js'
import {checkPermission, examineBuild} from './claim/refusals.js'

export interface ClaimOptions {
  install: Install
  token: string
  rooms: string[]
  /** default: cloud.conf's URL, else the era's default */
  url?: string
  /** none, env, http://…, socks5://…, socks5h://… (default: the agent's configured proxy) */
  proxy?: string
  insecure?: boolean
  /**
   * a CA bundle to trust for the claim request (default cloud.d/cloud_fullchain.pem, v2 also trusted.pem); v2 through
   * claim.conf: written to cloud.d/trusted.pem, where the agent's own claim reads it
   */
  caFile?: string
  /** v1: the claim id (default: a new random UUID, as v1.41+ and v2 agents do) */
  id?: string
  /** netdata-cloud's version, written into the claim record */
  toolVersion?: string
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
  retried?: ClaimAttempt[]
  agent: {state: 'failed' | 'not-running' | 'ok' | 'skipped'; messages: string[]}
  warnings: Warning[]
}

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
  const identity = readIdentity(paths, {
    cloudConf: settings.cloudConf,
    owners: agentFileOwners(install.runAsUser),
    v2: agent.v2,
  })
  const warnings: Warning[] = settings.warnings.map(message => ({message}))
  if (method === 'v2-claim.conf' && options.caFile) {
    // claim.conf has no CA key: the agent claims with its own store (cloud.d/trusted.pem when present)
    const trusted = join(dirname(paths.cloudConf), 'trusted.pem')
    warnings.push({
      fix: `add --direct to send the claim request from netdata-cloud with this CA, or copy it to ${trusted}`,
      message: `--ca ${options.caFile} is not passed on: claim.conf has no CA setting, and the v2 agent claims with its own CA store (${trusted} when present)`,
    })
  }

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
      cloudDir: paths.cloudDir,
      proxy: proxyValue,
      ...(owner ? {agentOwner: owner} : {}),
    })

  return claimNatively(options, {agent, base, identity, input, owner, paths, proxy, proxyValue, rules})
}
