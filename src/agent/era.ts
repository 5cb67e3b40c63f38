// What an agent of a given version does with the settings this tool reads and writes (netdata-facts.md §0, §2, §3.2).

import {compareVersions, inRange, type Version} from '../base/version.js'

export type EnabledSemantics = 'boolean' | 'ignored' | 'ondemand'
export type ImplementationKey = 'honoured' | 'ignored' | 'legacy-ignored' | 'not-read' | 'one-per-build'

export interface EraRules {
  /** a short name for the compatibility table */
  name: string
  /** cloud.conf key holding the Cloud URL */
  urlKey: 'cloud base url' | 'url'
  /** the agent's compiled-in default Cloud URL */
  defaultUrl: string
  /** how `[global] enabled` in cloud.conf is read */
  enabled: EnabledSemantics
  /** what the agent does with netdata.conf `[cloud] aclk implementation` */
  implementationKey: ImplementationKey
  /** cloud.conf lives in the compiled-in varlib (v1) or in `[directories] cloud.d` (v2) */
  cloudDirFromConfig: boolean
  /** how claiming is done */
  claim: 'claim.conf' | 'script'
  /** MQTT protocol level on the wire */
  mqtt: '3.1.1' | '5'
  /** the agent re-reads cloud.conf on `netdatacli reload-claiming-state` */
  reloadRereadsCloudConf: boolean
}

export const UNKNOWN_ERA_NOTE = 'agent version unknown: assuming the rules of v1.37–v1.40 (Debian 12 ships 1.37.1)'

export function eraRules(v: null | Version): EraRules {
  const version: Version = v ?? [1, 37, 1]
  const v2 = version[0] >= 2
  let implementationKey: ImplementationKey = 'ignored'
  if (inRange(version, [1, 30, 0], [1, 32, 0])) implementationKey = 'one-per-build'
  else if (inRange(version, [1, 32, 0], [1, 33, 0])) implementationKey = 'honoured'
  else if (inRange(version, [1, 33, 0], [1, 37, 0])) implementationKey = 'legacy-ignored'
  else if (compareVersions(version, [1, 37, 0]) >= 0) implementationKey = 'not-read'

  let defaultUrl = 'https://app.netdata.cloud'
  if (inRange(version, [1, 37, 0], [1, 39, 0])) defaultUrl = 'https://api.netdata.cloud'
  if (compareVersions(version, [1, 22, 0]) < 0) defaultUrl = 'https://netdata.cloud'

  let mqtt: EraRules['mqtt'] = '5'
  if (compareVersions(version, [1, 36, 0]) < 0) mqtt = '3.1.1'

  return {
    claim: v2 ? 'claim.conf' : 'script',
    cloudDirFromConfig: v2,
    defaultUrl,
    enabled: v2 ? 'ignored' : inRange(version, [1, 41, 0]) ? 'ondemand' : 'boolean',
    implementationKey,
    mqtt,
    name: eraName(version),
    reloadRereadsCloudConf: v2,
    urlKey: v2 ? 'url' : 'cloud base url',
  }
}

export function eraName(v: Version): string {
  if (v[0] >= 2) return 'v2.x'
  if (v[1] < 30) return 'v1.2x–v1.29'
  if (v[1] < 32) return 'v1.30–v1.31'
  if (v[1] === 32) return 'v1.32'
  if (v[1] < 41) return 'v1.33–v1.40'
  return 'v1.41–v1.47'
}

/**
 * Interpret cloud.conf `[global] enabled` as this era's agent does.
 * v1.22–v1.40: yes/true/on/auto/on demand (case-insensitive) → on, anything else (even `1`) → off.
 * v1.41–v1.47: case-sensitive yes/true/on → on, no/false/off → off, auto/on demand → auto, else the default (auto).
 */
export function interpretEnabled(
  rules: EraRules,
  raw: string | undefined,
): {effective: 'auto' | 'ignored' | 'off' | 'on'; note?: string} {
  if (rules.enabled === 'ignored') return {effective: 'ignored', note: 'v2.x agents do not read `enabled`'}
  if (rules.enabled === 'boolean') {
    if (raw === undefined) return {effective: 'on', note: 'not set: the agent default is yes'}
    return /^(yes|true|on|auto|on demand)$/i.test(raw)
      ? {effective: 'on'}
      : {effective: 'off', note: /^1$/.test(raw) ? '`1` is not a boolean for netdata: it means no' : undefined}
  }

  if (raw === undefined) return {effective: 'auto', note: 'not set: the agent default is auto'}
  if (/^(yes|true|on)$/.test(raw)) return {effective: 'on'}
  if (/^(no|false|off)$/.test(raw)) return {effective: 'off'}
  if (/^(auto|on demand)$/.test(raw)) return {effective: 'auto'}
  return {
    effective: 'auto',
    note: `${JSON.stringify(raw)} is not understood by v1.41–v1.47 (case-sensitive): the default, auto, applies`,
  }
}
