import type {StatusReport} from '../services/status.js'

import {colors, keyValueRows, terminalWidth, wrapWords} from './output.js'

const SUPPORT = {no: 'no', 'no-by-user-request': 'no, by user request', yes: 'yes'} as const

export function renderStatus(r: StatusReport): string {
  const c = colors()
  const rows: [string, string][] = []
  const a = r.agent
  rows.push(
    [
      'Agent',
      `${a.version ?? 'version unknown'} (${a.era}), ${a.kind} install at ${a.root}${a.netdata ? '' : ' — no netdata binary found'}`,
    ],
    ['Directories', `config ${a.configDir}, state ${a.libDir}, runs as ${a.runAsUser}`],
  )
  if (r.build) {
    const impl = r.build.aclk.implementations.length > 0 ? `; ACLK ${r.build.aclk.implementations.join(' + ')}` : ''
    const text = `can reach Cloud: ${SUPPORT[r.build.support]}${r.build.reason ? ` (${r.build.reason})` : ''}${impl}`
    rows.push(['Build', r.build.support === 'yes' ? c.green(text) : c.red(text)])
  } else rows.push(['Build', c.yellow('unknown (no netdata binary to ask)')])
  const cc = r.cloudConf
  rows.push(
    ['cloud.conf', `${cc.path}${cc.exists ? '' : ' (absent: agent defaults apply)'}`],
    [
      '  enabled',
      `${cc.enabled.effective}${cc.enabled.value === undefined ? '' : ` (= ${cc.enabled.value})`} [${cc.enabled.source}]${cc.enabled.note ? ` — ${cc.enabled.note}` : ''}`,
    ],
    ['  url', `${cc.url.value} [${cc.url.source}]`],
    ['  proxy', `${cc.proxy.value} [${cc.proxy.source}] → ${cc.effectiveProxy.value ?? 'direct'}`],
  )
  const im = r.implementation
  rows.push([
    'ACLK impl.',
    `${im.configured ? `${im.configured.value} (netdata.conf:${im.configured.line})` : 'not set'}; ${im.eraRule}` +
      (im.agent ? `; the agent says ${im.agent}` : im.files ? `; files imply ${im.files}` : ''),
  ])
  for (const o of r.cloudOptions ?? []) {
    const value = o.value === null ? `${o.default || 'unset'} (default)` : o.value
    const text = `${value} [${o.source}] — ${o.note}`
    rows.push([`  [cloud] ${o.key}`, o.era === 'ignored' ? c.dim(text) : text])
  }

  const cl = r.claim
  rows.push(
    [
      'Claim',
      cl.claimed
        ? `claimed, id ${cl.claimId} [${cl.source}]`
        : cl.claimId
          ? `claim id ${cl.claimId} is unusable`
          : cl.pending
            ? `not claimed yet — pending: ${cl.pending.path} has a token${cl.pending.rooms ? ` (rooms ${cl.pending.rooms})` : ''}`
            : 'not claimed',
    ],
    ['Machine GUID', cl.machineGuid ?? 'none yet (the agent creates it at first start)'],
  )
  const {sent} = cl
  if (sent)
    rows.push([
      'Claim sent',
      sent.source === 'record'
        ? `hostname ${sent.hostname}, machine GUID ${sent.machineGuid} (${sent.method} claim by netdata-cloud, ${sent.at}) [${sent.record}]`
        : sent.source === 'agent'
          ? `the agent's own: hostname ${sent.hostname}, machine GUID ${sent.machineGuid ?? 'unknown'} (v2 claims itself)`
          : `not recorded (not claimed by netdata-cloud)${sent.problem ? `; ${sent.problem}` : ''}; the agent's name is ${sent.agentHostname.value}`,
    ])
  const keys = !cl.privateKey.file.exists
    ? 'no key pair'
    : `private ${cl.privateKey.file.mode} ${cl.privateKey.file.owner}${cl.privateKey.parses ? '' : ' (does not parse)'}, public ${cl.publicKey.file.exists ? (cl.keysMatch ? 'matches' : cl.keysMatch === false ? c.red('does NOT match') : 'unchecked') : 'missing'}`
  rows.push(
    ['Keys', keys],
    [
      'cloud.d',
      cl.cloudDir.exists
        ? `${cl.cloudDir.path} ${cl.cloudDir.mode} ${cl.cloudDir.owner}:${cl.cloudDir.group}`
        : `${cl.cloudDir.path} (absent)`,
    ],
  )
  const run = r.running
  let agentText: string
  if (r.offline) agentText = 'not asked (--offline)'
  else if (!run.reachable) agentText = c.yellow(run.problem?.message ?? 'unreachable')
  else {
    const i = run.info ?? {}
    agentText = `${a.agentUrl}: ${run.version ?? ''} cloud-available ${i.cloudAvailable}, cloud-enabled ${i.cloudEnabled}, claimed ${i.agentClaimed}, online ${run.online}`
    if (i.aclkImplementation) agentText += `, aclk-implementation ${i.aclkImplementation}`
    if (run.claimId) agentText += `; claim id ${run.claimId}`
    if (run.cloud?.status)
      agentText += `; cloud.status ${run.cloud.status}${run.cloud.reason ? ` (${run.cloud.reason})` : ''}`
    if (run.nodeId) agentText += `; node id ${run.nodeId}`
  }

  rows.push(['Running agent', agentText])
  const t = r.tlsTrust
  if (t)
    rows.push([
      'Agent trust',
      `${t.target} (${t.step === 'aclk' ? 'ACLK' : 'claim'}): ${t.trusted === true ? 'trusted' : t.trusted === false ? c.red('NOT trusted') : 'not checked'} by ${t.trust} (${t.certificates} CA) — ${t.detail}`,
    ])
  if (r.serviceEnv.length > 0)
    rows.push(['Service env', r.serviceEnv.map(e => `${e.name}=${e.value} [${e.source}]`).join('; ')])
  const cols = terminalWidth()
  const wrap = (text: string, indent: number) =>
    cols ? wrapWords(text, cols - indent).join(`\n${' '.repeat(indent)}`) : text
  let out = keyValueRows(rows, cols)
  if (r.findings.length > 0) {
    out +=
      '\n' +
      r.findings
        .map(
          f =>
            `${f.level === 'fail' ? c.red('FAIL') : c.yellow('WARN')} ${wrap(f.message, 5)}${f.fix ? `\n     fix: ${wrap(f.fix, 10)}` : ''}`,
        )
        .join('\n') +
      '\n'
  }

  const v = r.verdict
  const head = {
    'cannot-link': c.red('CANNOT LINK'),
    linked: c.green('LINKED'),
    'not-linked': c.yellow('NOT LINKED'),
    'offline-ok': c.green('OK (files)'),
  }[v.state]
  out += `\n${wrap(`${head}: ${v.message}`, 2)}\n`
  if (v.fix) out += `  Fix: ${wrap(v.fix, 7)}\n`
  return out
}
