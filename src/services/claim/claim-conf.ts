// v2 the default way: write claim.conf (root:<agent group> 0640, it holds the token) and let the agent claim itself on
// `netdatacli reload-claiming-state`; its verdict is the result.

import {join} from 'node:path'

import {agentFileOwners, lookupGroup} from '../../agent/accounts.js'
import {UserError} from '../../base/errors.js'
import type {FileChange} from '../../base/result.js'
import {mask} from '../../base/secrets.js'
import {unifiedDiff} from '../../config/diff.js'
import {ConfigDocument} from '../../config/document.js'
import {MAX_CONFIG_BYTES, readTextFile} from '../../config/read.js'
import {type FileOwner, MODES, updateFileAtomically} from '../../config/write.js'
import type {ClaimOptions, ClaimResult} from '../claim.js'
import {change, describeFile, statOrNull} from './files.js'
import type {ValidInputs} from './inputs.js'
import {answerOf, cli} from './tell-agent.js'

export const CLAIM_CONF_MODE = 0o640
export const TRUSTED_PEM_MODE = 0o644

/**
 * v2.11's own claim (libcurl) trusts only cloud.d/trusted.pem (fallback cloud_fullchain.pem) and ignores
 * SSL_CERT_FILE (measured, shared/real-agent/README.md): `--ca` must go there, or the agent's claim fails with
 * "SSL peer certificate or SSH remote key was not OK".
 */
function writeTrustedPem(
  options: ClaimOptions,
  cloudDir: string,
  owner: FileOwner | undefined,
  base: ClaimBase,
): FileChange | undefined {
  if (!options.caFile) return undefined
  const pem = readTextFile(options.caFile, '--ca')
  if (!pem || !/-----BEGIN CERTIFICATE-----/.test(pem))
    throw new UserError('badInput', `--ca ${options.caFile}: no PEM certificate in it`, {
      fix: 'give a PEM file with the CA certificate(s) of the Cloud (or emulator) URL',
    })
  const path = join(cloudDir, 'trusted.pem')
  const r = updateFileAtomically(path, () => pem, {
    createDir: {mode: MODES.cloudDir, owner},
    dryRun: options.dryRun,
    mode: TRUSTED_PEM_MODE,
    owner,
    what: 'trusted.pem',
  })
  if (r.changed)
    base.warnings.push({
      message: `${path} ${options.dryRun ? 'would hold' : 'holds'} the --ca certificates: while it exists the agent's own claim trusts only them (its libcurl reads trusted.pem, not the system store); its ACLK link does not read it (it trusts SSL_CERT_FILE in the agent's environment, else the system store)`,
    })
  return r.changed ? change(path, options.dryRun, r.created) : {action: 'unchanged', path}
}

export type ClaimBase = Omit<ClaimResult, 'agent' | 'changed' | 'claimId' | 'files'>

export async function claimWithClaimConf(
  options: ClaimOptions,
  input: ValidInputs,
  base: ClaimBase,
  where: {claimConf: string; cloudConf: string; cloudDir: string; proxy: string; agentOwner?: FileOwner},
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
  const trusted = writeTrustedPem(options, where.cloudDir, where.agentOwner, base)
  const written = trusted ? [file, trusted] : [file]
  if (options.dryRun) {
    file.diff = (await unifiedDiff(claimConf, r.before, r.after)).split(input.token).join(mask(input.token))
    return {
      ...base,
      agent: {messages: [], state: 'skipped'},
      changed: r.changed,
      claimId: null,
      files: written,
    }
  }

  Object.assign(file, describeFile(claimConf))
  if (trusted) Object.assign(trusted, describeFile(trusted.path))
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
    const cc = readTextFile(cloudConf, 'cloud.conf', MAX_CONFIG_BYTES, {
      owners: agentFileOwners(options.install.runAsUser),
    })
    claimId = cc ? ConfigDocument.parse(cc).get('global', 'claimed_id')?.value || null : null
  } catch {}

  const failed = agent.messages.some(m => /is not claimed/.test(m))
  if (failed) agent.state = 'failed'
  return {
    ...base,
    agent,
    changed: r.changed,
    claimId,
    files: written,
  }
}
