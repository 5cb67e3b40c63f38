// Emulator faults against a real agent: the agent's own reason (v2 /api/v3/info cloud.reason / status, v1 its log),
// `status`'s verdict and exit code, and `link`'s failing step and exit code must name the same cause.
// One claimed agent per fault kind; the fault is switched on, the agent restarted, its view waited for.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {EXIT} from '../../src/base/errors.js'
import {binariesOf} from './real-agent.js'
import {PREFIX, type Rig, withRig} from './shared.js'

const BIN = binariesOf(PREFIX)

interface LinkFault {
  fault: string
  /** what the agent says: v2 cloud.reason (or status), else its log */
  agent: RegExp
  /** link's exit code and failing step */
  link: {code: keyof typeof EXIT; step: string}
  /** status's exit code: from the agent's API reason, its TLS check with what the agent trusts, else the agent's log */
  status: keyof typeof EXIT
  /** status's verdict came from the agent's log (agentLog), and its line matches this */
  log?: RegExp
  /** the agent retries; false = it stops (non-retryable) */
  v2Status?: string
}

const LINK_FAULTS: LinkFault[] = [
  {
    agent: /transport usable|MQTTv5|transport/i,
    fault: 'env-no-mqttv5',
    link: {code: 'cloudApi', step: 'env'},
    status: 'cloudApi',
  },
  {agent: /banned/i, fault: 'banned', link: {code: 'auth', step: 'env'}, status: 'auth', v2Status: 'banned'},
  {agent: /oaep|decrypt/i, fault: 'challenge-wrong-key', link: {code: 'auth', step: 'challenge'}, status: 'auth'},
  // the agents' API says only offline / none; their log says "MQTT CONNACK returned error 135": status reads it
  {agent: /./, fault: 'connack-refused:135', link: {code: 'mqtt', step: 'mqtt'}, status: 'mqtt', log: /CONNACK/},
  {
    agent: BIN.v2 ? /env response code is not 200/ : /./,
    fault: 'retry-after:30@env',
    link: {code: 'cloudApi', step: 'env'},
    status: 'cloudApi',
  },
  {
    agent: /certificate|SSL|verify|ENV endpoint|failed to write http header/i,
    fault: 'self-signed',
    link: {code: 'tls', step: 'tls'},
    // v1.44 says only env_endpoint_unreachable (DNS, TCP or TLS), but status checks the chain with what the agent
    // trusts (its SSL_CERT_FILE / the system store) and finds the agent will not trust it: tls on both eras
    status: 'tls',
  },
  // v2.11 refuses a CA-signed certificate for another host name but its API says only "offline" (its log says
  // why); v1.44 links anyway (it checks only the chain): link must agree (a tls WARN, exit 0) — see the test below
  ...(BIN.v2
    ? [{agent: /./, fault: 'wrong-host-cert', link: {code: 'tls', step: 'tls'}, status: 'tls', log: /./} as LinkFault]
    : []),
  {
    agent: BIN.v2 ? /failed to write http header|SSL/i : /ENV endpoint|SSL|certificate/i,
    fault: 'expired-cert',
    link: {code: 'tls', step: 'tls'},
    // v2.11 says it in its API; v1.44 says env_endpoint_unreachable there: status's own TLS check (the leaf's dates
    // against the server's Date, the verdict link gives) names it
    status: 'tls',
  },
]

async function linkedRig(rig: Rig): Promise<string> {
  const c = await rig.claim()
  assert.equal(c.code, 0, `claim: ${c.stdout}${c.stderr}`)
  await rig.agent.waitFor(v => v.online, 'online')
  return c.json.result.claimId
}

describe(`emulator faults on the real agent ${BIN.version} (${PREFIX})`, () => {
  for (const f of LINK_FAULTS)
    test(`${f.fault}: the agent, status and link name the same cause`, async () => {
      await withRig(async rig => {
        await linkedRig(rig)
        rig.emu.setFaults([f.fault])
        const mark = rig.agent.log().length
        await rig.agent.restart()
        let view = await rig.agent.waitFor(
          v => !v.online && (BIN.v2 ? Boolean(v.reason) || v.status === 'banned' : true),
          `offline with a reason (${f.fault})`,
        )
        // the agent's own words: v2 says it in its API; v1 only in its log
        let said = BIN.v2 ? `${view.status}: ${view.reason}` : ''
        const deadline = Date.now() + 20_000
        while (!f.agent.test(said) && Date.now() < deadline) {
          await new Promise(resolve => setTimeout(resolve, 500))
          const v = BIN.v2 ? await rig.agent.view() : undefined
          // v2.11 first says offline ("/env response code is not 200"), then banned: keep the latest view
          if (v) view = v
          said = v
            ? `${v.status}: ${v.reason}`
            : rig.agent
                .log()
                .slice(mark)
                .split('\n')
                .filter(l => /level=(error|warning)/.test(l) && /ACLK|SSL|CONNACK|OTP|env|banned|oaep/i.test(l))
                .join('\n')
        }

        const s = await rig.cli(['status', '--json'])
        const l = await rig.cli(['link', '--ca', rig.emu.caPath, '--json'])
        const failing = l.json?.result?.steps?.find((x: {status: string}) => x.status === 'FAIL')
        console.error(
          `# ${BIN.version} ${f.fault}\n#   agent:  ${said.split('\n').slice(-2).join(' | ').slice(0, 300)}\n#   status: exit ${s.code} ${s.json?.result?.verdict?.message}\n#   link:   exit ${l.code} ${failing?.id}: ${failing?.detail}`,
        )
        assert.match(said, f.agent, 'the agent names the cause')
        if (f.v2Status && BIN.v2) assert.equal(view.status, f.v2Status)
        assert.equal(l.code, EXIT[f.link.code], `link exit: ${failing?.id} ${failing?.detail}`)
        assert.equal(failing?.id, f.link.step)
        assert.equal(s.code, EXIT[f.status], s.json?.result?.verdict?.message)
        if (f.log) {
          assert.match(s.json.result.agentLog?.line ?? '', f.log, JSON.stringify(s.json.result.agentLog))
          assert.equal(s.json.result.agentLog.source, rig.agent.logFile)
          assert.match(s.json.result.verdict.message, /its log says|the agent's log says/)
        } else assert.equal(s.json.result.agentLog, undefined, 'the API or the TLS check named it: the log is not read')
      })
    })

  if (!BIN.v2)
    test('wrong-host-cert on v1: the agent links anyway (it checks only the chain); status LINKED, link WARNs at tls and exits 0', async () => {
      await withRig(async rig => {
        await linkedRig(rig)
        rig.emu.setFaults(['wrong-host-cert'])
        const sessions = rig.emu.records.connections.length
        await rig.agent.restart()
        await rig.agent.waitFor(v => v.online, 'online with a wrong-host certificate')
        assert.ok(rig.emu.records.connections.length > sessions, 'a new session after the restart')
        const s = await rig.cli(['status', '--json'])
        assert.equal(s.code, EXIT.ok, s.stdout)
        const l = await rig.cli(['link', '--ca', rig.emu.caPath, '--json'])
        const tls = l.json?.result?.steps?.find((x: {id: string}) => x.id === 'tls')
        assert.equal(tls?.status, 'WARN', l.stdout)
        assert.match(tls.detail, /checks only the chain, so it links anyway/)
        assert.equal(l.code, EXIT.ok, l.stdout)
      })
    })

  for (const [fault, cause] of [
    ['token-rejected', /token/i],
    ['room-invalid', /room/i],
  ] as const)
    test(`${fault}: claim exits claimRejected naming the cause, the agent stays unclaimed, status exits notClaimed`, async () => {
      await withRig(
        async rig => {
          const c = await rig.claim()
          assert.equal(c.code, EXIT.claimRejected, `claim: ${c.stdout}${c.stderr}`)
          const text = JSON.stringify(c.json)
          assert.match(text, cause, 'claim names the cause')
          console.error(
            `# ${BIN.version} ${fault}: claim says ${JSON.stringify(c.json?.result?.agent?.messages ?? c.json?.error?.message)}`,
          )
          if (BIN.v2 && fault === 'token-rejected')
            assert.match(text, /token is expired, not found, or invalid/, "the agent's own words are shown")
          const view = await rig.agent.view()
          assert.equal(view.claimed, false)
          const s = await rig.cli(['status', '--json'])
          assert.equal(s.code, EXIT.notClaimed, s.stdout)
        },
        {faults: [fault]},
      )
    })
})
