// After the claim: tell the running agent of this install, through its own netdatacli.

import type {Install} from '../../agent/install.js'
import {findInstallAgent} from '../../agent/agent-process.js'
import {type CliAnswer, netdatacli} from '../../agent/netdatacli.js'
import type {ClaimResult} from '../claim.js'

/**
 * netdatacli of this install, to this install's running agent only (its own pipe): when no agent of this install runs,
 * or its pipe cannot be told from another agent's, nothing is sent (`no-agent` with the reason).
 */
export async function cli(install: Install, args: string[], timeoutMs = 5000): Promise<CliAnswer | null> {
  if (!install.netdatacli) return null
  const agent = findInstallAgent(install)
  if (agent.state !== 'found') return {message: agent.why, state: 'no-agent'}
  return netdatacli(install.netdatacli, args, timeoutMs, agent.env)
}

export function answerOf(a: CliAnswer | null, notRunning: string): ClaimResult['agent'] {
  if (a === null) return {messages: [`no netdatacli found: ${notRunning}`], state: 'not-running'}
  if (a.state === 'no-agent')
    return {messages: [`the agent of this install was not told (${a.message}): ${notRunning}`], state: 'not-running'}
  if (a.state === 'failed') return {messages: [a.message], state: 'failed'}
  return {messages: a.output.trim() ? [a.output.trim()] : [], state: 'ok'}
}

/** v1 never re-reads cloud.conf at runtime: push the values into memory first, as the script does (§2.2, §4.4). */
export async function tellAgent(install: Install, v2: boolean, url: string): Promise<ClaimResult['agent']> {
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
