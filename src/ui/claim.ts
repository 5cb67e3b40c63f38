// Text for `claim` and `unclaim` (their prompts are in ui/prompts.ts).

import type {ClaimResult} from '../services/claim.js'
import type {UnclaimResult} from '../services/unclaim.js'
import {colors, printError} from './output.js'

export function showProgress(message: string): void {
  printError(`… ${message}`)
}

function files(list: ClaimResult['files']): string[] {
  return list.map(f => `  ${f.action.padEnd(12)} ${f.path}${f.mode ? `  (${f.mode} ${f.owner})` : ''}`)
}

export function renderClaim(r: ClaimResult): string {
  const c = colors()
  const out: string[] = []
  if (r.dryRun) {
    out.push(c.bold(`Dry run: nothing was sent or written (netdata ${r.agentVersion ?? '?'}, ${r.era}, ${r.method})`))
    if (r.request) {
      out.push(
        '',
        `Request: ${r.request.method} ${r.request.url}`,
        `  via ${r.proxy}`,
        ...JSON.stringify(r.request.body, null, 2)
          .split('\n')
          .map(l => '  ' + l),
      )
    }

    out.push('', 'Files:', ...files(r.files))
    for (const f of r.files) if (f.diff) out.push('', f.diff.trimEnd())
    return out.join('\n') + '\n'
  }

  if (r.method === 'v2-claim.conf') {
    out.push(
      r.changed
        ? `Wrote ${r.files[0].path} for the agent (netdata ${r.agentVersion ?? 'v2'}) to claim itself.`
        : `${r.files[0].path} already says this; nothing changed.`,
    )
  } else {
    out.push(
      c.green(`Claimed: Netdata Cloud accepted node ${r.claimId}`) +
        ` (${r.answer?.status}, ${r.answer?.ms} ms, ${r.proxy})`,
    )
    for (const [i, a] of (r.retried ?? []).entries())
      out.push(`  attempt ${i + 1} (claim id ${a.claimId}): ${a.outcome}; tried again after ${a.waitedMs} ms`)
  }

  out.push(`  Cloud    ${r.url}`, `  Rooms    ${r.rooms.length > 0 ? r.rooms.join(', ') : "the Space's default room"}`)
  if (r.claimId) out.push(`  Claim id ${r.claimId}`)
  out.push('', 'Files:', ...files(r.files), '', `Agent: ${r.agent.state}`)
  for (const m of r.agent.messages) out.push(`  ${m}`)
  return out.join('\n') + '\n'
}

export function renderUnclaim(r: UnclaimResult): string {
  const c = colors()
  const out: string[] = []
  if (!r.changed && !r.dryRun) {
    out.push('This node is not claimed: nothing to remove.')
    for (const w of r.notes) out.push(`  ${w}`)
    return out.join('\n') + '\n'
  }

  out.push(
    r.dryRun
      ? c.bold('Dry run: nothing was removed')
      : c.green('Unclaimed: this node no longer holds Netdata Cloud credentials.'),
    `  Old claim id  ${r.oldClaimId ?? 'none'}`,
    `  Old node id   ${r.oldNodeId ?? 'unknown (the running agent did not say)'}`,
  )
  if (r.oldClaimId || r.oldNodeId)
    out.push('  Delete the stale node in the Netdata Cloud UI (Space → Nodes), it stays there as offline.')
  if (r.backup) out.push(`  Backup        ${r.backup}`)
  out.push(
    '',
    'Changes:',
    ...r.removed.map(f => `  ${f.action.padEnd(12)} ${f.path}`),
    '',
    `Agent: ${r.restart.state}`,
    ...r.restart.messages.map(m => `  ${m}`),
  )
  for (const w of r.notes) out.push(`Note: ${w}`)
  return out.join('\n') + '\n'
}
