// Steps 1, 8, 9: the settings the walk uses, the MQTT session, and the running agent's own view to compare.

import {compareVersions} from '../../base/version.js'
import {usesEnv} from '../env.js'
import type {Step, StepResult} from '../link-types.js'
import {mqttSession} from '../mqtt-link.js'
import {linkVersion, mqttProtocol} from './cloud-api.js'
import {takeConnection} from './dial.js'

export const settingsStep: Step = {
  id: 'settings',
  needs: [],
  target: ctx => ctx.settings.url.value,
  title: 'settings',
  async run(ctx): Promise<StepResult> {
    const s = ctx.settings
    const v = linkVersion(ctx)
    const protocol = usesEnv(v)
      ? `NG with /env, MQTT ${mqttProtocol(ctx)}`
      : compareVersions(v, [1, 30, 0]) < 0
        ? 'ACLK Legacy (before v1.30): no /env, MQTT 3.1.1'
        : compareVersions(v, [1, 31, 0]) < 0
          ? 'v1.30 NG/legacy: no /env, MQTT 3.1.1'
          : 'no /env, MQTT 3.1.1'
    const parts = [
      `url ${s.url.value} (${s.url.source})`,
      `proxy ${s.proxy.value.display} (${s.proxy.source})`,
      `claim id ${s.claimId.value ?? 'none'}${s.claimId.value ? ` (${s.claimId.source})` : ''}`,
      `key ${s.privateKeyPem ? 'RSA, parses' : 'none'}${s.keyNotes.length > 0 ? ` (${s.keyNotes.join(', ')})` : ''}`,
      `agent v${v.join('.')} (${s.version.source}) → ${protocol}`,
    ]
    if (s.throwAway) parts.push('throw-away identity registered on the emulator')
    const first = s.problems[0]
    if (first)
      return {
        code: first.code,
        detail: `${first.message}; ${parts.join('; ')}`,
        fix: first.fix,
        ref: first.ref,
        status: 'FAIL',
      }
    const warnings = [...s.warnings, ...s.keyProblems]
    if (s.disabled)
      warnings.unshift(
        `the cloud link is disabled (${s.disabled.source}: ${s.disabled.value}): the agent will not connect`,
      )
    if (!s.claimId.value) warnings.unshift('not claimed: the walk stops after env')
    if (warnings.length > 0) {
      return {
        detail: `${warnings.join('; ')}; ${parts.join('; ')}`,
        fix: s.disabled ? 'netdata-cloud enable' : s.claimId.value ? 'see the warnings' : 'netdata-cloud claim',
        status: 'WARN',
      }
    }

    return {detail: parts.join('; '), status: 'PASS'}
  },
}

export const mqttStep: Step = {
  id: 'mqtt',
  needs: ['challenge'],
  target: ctx => (ctx.env ? `${ctx.env.mqttEndpoint.hostname}:${ctx.env.mqttEndpoint.port || 443}/mqtt` : ''),
  timeoutCode: 'mqtt',
  title: 'mqtt',
  async run(ctx, signal): Promise<StepResult> {
    const endpoint = ctx.env!.mqttEndpoint
    const host = endpoint.hostname.replace(/^\[(.*)]$/, '$1')
    const port = endpoint.port ? Number(endpoint.port) : 443
    const creds = ctx.credentials!
    const view = ctx.agentView ? await ctx.agentView : null
    const agentOnline = !ctx.settings.throwAway && view?.online === true
    const stopBeforeConnect = agentOnline && !ctx.takeOver
    ctx.waiting = `a connection to ${host}:${port}`
    const got = await takeConnection(ctx, host, port, signal)
    if (!got.conn)
      return {
        code: 'mqtt',
        detail: `cannot open ${host}:${port}: ${got.error}`,
        fix: `allow outgoing TCP/TLS to ${host}:${port}`,
        status: 'FAIL',
      }
    const protocol = mqttProtocol(ctx)
    const v = linkVersion(ctx)
    const inbox = usesEnv(v) ? creds.topics['inbox-cmd'] : `/agent/${ctx.settings.claimId.value}/inbound/cmd`
    const probe = await mqttSession(got.conn.socket, {
      clientId: creds.clientId,
      host,
      onStage(stage) {
        ctx.waiting = {
          connect: 'CONNACK',
          disconnect: 'DISCONNECT',
          ping: 'PINGRESP',
          subscribe: 'SUBACK',
          upgrade: 'the WebSocket upgrade (101)',
        }[stage]
      },
      password: creds.password,
      port,
      protocol,
      signal,
      stopBeforeConnect,
      subscribeTopic: inbox,
      timeoutMs: ctx.timeoutMs,
      topicAliasMaximum: compareVersions(v, [1, 38, 0]) >= 0,
      username: creds.username,
    })
    ctx.roundTrips += probe.exchanges
    const via = got.reused ? 'same TLS connection' : 'new TLS connection'
    if (!probe.ok)
      return {
        // CONNACK 138 (0x8a, MQTT 5 "banned") is Cloud refusing this node: an authentication verdict (exit 26)
        code: probe.connack === 0x8a ? 'auth' : 'mqtt',
        detail: `${probe.detail} (${via})`,
        fix: probe.fix,
        status: 'FAIL',
      }
    const mine = ctx.settings.claimId.value
    if (stopBeforeConnect && view?.claimId && mine && view.claimId.toLowerCase() !== mine.toLowerCase()) {
      return {
        detail: `${probe.detail}: the running agent is online with claim id ${view.claimId}, not ${mine} (${ctx.settings.claimId.source}): it was not restarted after a re-claim, or another agent answers; the files' identity is not what runs`,
        fix: 'restart the agent so that it connects with the claim on disk (then run link again), or pass --take-over to test CONNECT with the files anyway',
        status: 'WARN',
      }
    }

    if (stopBeforeConnect) {
      return {
        detail: `${probe.detail}: the running agent is online with this client id, and a second CONNECT would take over its session`,
        fix: 'stop the agent first, or pass --take-over to test CONNECT anyway (the agent reconnects by itself)',
        status: 'WARN',
      }
    }

    if (probe.takenOver)
      return {
        detail: `WebSocket 101 (${via}); CONNECT MQTT ${protocol} → CONNACK 0 (success); then the broker ended this session with DISCONNECT 0x8E (session taken over)${agentOnline ? ': the running agent reconnected at once with its client id and has its session back (--take-over)' : ': another client with this client id connected'}. The credentials and the broker are fine`,
        status: agentOnline ? 'PASS' : 'WARN',
        ...(agentOnline ? {} : {fix: 'is another agent running with the same claim id (a cloned machine)?'}),
      }

    const props =
      probe.serverProperties && Object.keys(probe.serverProperties).length > 0
        ? ` ${JSON.stringify(probe.serverProperties)}`
        : ''
    return {
      detail: `WebSocket 101 (${via}); CONNECT MQTT ${protocol} → CONNACK 0 (success)${props}; SUBACK qos ${probe.granted?.join(',') ?? '-'}; PINGRESP in ${probe.pingMs} ms; DISCONNECT${agentOnline ? "; took over the agent's session (--take-over)" : ''}`,
      status: 'PASS',
    }
  },
}

export const agentStep: Step = {
  id: 'agent',
  needs: ['settings'],
  target: () => 'running agent',
  title: 'agent',
  async run(ctx): Promise<StepResult> {
    ctx.waiting = "the agent's API"
    const view = ctx.agentView ? await ctx.agentView : null
    if (!view || !view.reachable)
      return {
        detail: `no running agent answered${view ? ` (${view.source})` : ''}: nothing to compare with`,
        fix: 'start the agent to compare its own view',
        status: 'SKIP',
      }
    if (
      view.claimId &&
      ctx.settings.claimId.value &&
      view.claimId.toLowerCase() !== ctx.settings.claimId.value.toLowerCase()
    ) {
      return {
        detail: `${view.summary}; the agent runs with claim id ${view.claimId}, the files say ${ctx.settings.claimId.value}`,
        fix: 'reload the claim: netdatacli reload-claiming-state, or restart the agent',
        status: 'WARN',
      }
    }

    if (view.online === false)
      return {
        detail: `${view.summary} (${view.source})`,
        fix: 'the agent is not connected: compare its reason with the steps above; restart it after fixing',
        status: 'WARN',
      }
    return {detail: `${view.summary} (${view.source})`, status: 'PASS'}
  },
}
