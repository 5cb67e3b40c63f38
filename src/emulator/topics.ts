// The compulsory MQTT topics a /password answer must list, by agent era (netdata-facts.md §5.3 and correction 1).
// Every topic contains `#{claim_id}`: the agent replaces its first occurrence, and counts a topic without it as
// missing.

export type Encoding = 'json' | 'proto'

const OLD_JSON = ['chart', 'alarms', 'meta', 'inbox-cmd']
const NEW_V132 = [
  ...OLD_JSON,
  'agent-connection',
  'inbox-cmd-v1',
  'create-node-instance',
  'node-instance-connection',
  'chart-and-dims-updated',
  'chart-configs-updated',
  'reset-charts',
  'chart-retention-updated',
  'node-instance-info',
  'alarm-log',
  'alarm-health',
  'alarm-config',
  'alarm-snapshot',
]
const NEW_V136 = [...NEW_V132, 'node-instance-collectors', 'contexts-snapshot', 'contexts-updated']
const RENAMED_V139: Record<string, string> = {
  'alarm-log': 'alarm-log-v2',
  'alarm-health': 'alarm-checkpoint',
  'alarm-snapshot': 'alarm-snapshot-v2',
}
const NEW_V139 = NEW_V136.map(n => RENAMED_V139[n] ?? n)
// node-instance-manifest first appears in v2.11.0 (v1.44.3 knows no such topic: shared/real-agent/README.md)
const NEW_V211 = [...NEW_V139, 'node-instance-manifest']

/** [major, minor] of `1.37.1`, `v2.11.0`; undefined when unknown (then the newest era applies). */
export function parseVersion(v: string | undefined): [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(v ?? '')
  return m ? [Number(m[1]), Number(m[2])] : undefined
}

function atLeast(v: [number, number], major: number, minor: number): boolean {
  return v[0] > major || (v[0] === major && v[1] >= minor)
}

export function compulsoryTopicNames(version: string | undefined, encoding: Encoding): string[] {
  if (encoding === 'json') return OLD_JSON
  const v = parseVersion(version)
  if (!v || atLeast(v, 2, 11)) return NEW_V211
  if (atLeast(v, 1, 39)) return NEW_V139
  if (atLeast(v, 1, 36)) return NEW_V136
  return NEW_V132
}

/** Inbound topics (cloud → agent) end in the message type, so the agent subscribes to them; the rest are outbound. */
function topicFor(name: string): string {
  if (name === 'inbox-cmd') return '/agent/#{claim_id}/inbound/cmd'
  if (name === 'inbox-cmd-v1') return '/agent/#{claim_id}/inbound/v1/+'
  return `/agent/#{claim_id}/outbound/v1/${name}`
}

export function topicsFor(version: string | undefined, encoding: Encoding): {name: string; topic: string}[] {
  return compulsoryTopicNames(version, encoding).map(name => ({name, topic: topicFor(name)}))
}
