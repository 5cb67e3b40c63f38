// v2 the default way: write claim.conf (root:<agent group> 0640, it holds the token) and let the agent claim itself on
// `netdatacli reload-claiming-state`; its verdict is the result.

import {agentFileOwners, lookupGroup} from '../../agent/accounts.js'
import type {FileChange} from '../../base/result.js'
import {mask} from '../../base/secrets.js'
import {unifiedDiff} from '../../config/diff.js'
import {ConfigDocument} from '../../config/document.js'
import {MAX_CONFIG_BYTES, readTextFile} from '../../config/read.js'
import {updateFileAtomically} from '../../config/write.js'
import type {ClaimOptions, ClaimResult} from '../claim.js'
import {change, describeFile, statOrNull} from './files.js'
import type {ValidInputs} from './inputs.js'
import {answerOf, cli} from './tell-agent.js'

export const CLAIM_CONF_MODE = 0o640

export type ClaimBase = Omit<ClaimResult, 'agent' | 'changed' | 'claimId' | 'files'>

export async function claimWithClaimConf(
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
    files: [file],
  }
}
