// The effective cloud settings of this node and where each came from (netdata-facts.md §2.2, §3.2, §4.3, §5.8).
// One reading for status, link and claim: URL, proxy, enabled, insecure, each with its source.

import {agentFileOwners} from './accounts.js'
import {type CloudPaths, cloudPaths} from './cloud-paths.js'
import {type EraRules, eraRules, interpretEnabled} from './era.js'
import type {Install} from './install.js'
import {redactUrl} from '../base/secrets.js'
import {compareVersions, type Version} from '../base/version.js'
import type {ConfigDocument} from '../config/document.js'
import {readConfigFile} from '../config/read.js'

export interface Sourced<T> {
  value: T
  /** `cloud.conf:3`, `netdata.conf:12`, `claim.conf:2`, `env http_proxy`, `default`… */
  source: string
}

export interface CloudSettings {
  rules: EraRules
  paths: CloudPaths
  cloudConf: ConfigDocument | null
  claimConf: ConfigDocument | null
  url: Sourced<string>
  /** `none`, `env`, or a proxy URL, as configured */
  proxy: Sourced<string>
  /** the proxy actually used once `env` is resolved against the agent's environment; null = direct */
  effectiveProxy: Sourced<null | string>
  enabled: Sourced<string | undefined> & {effective: 'auto' | 'ignored' | 'off' | 'on'; note?: string}
  insecure: Sourced<boolean>
  warnings: string[]
}

const fileName = (path: string) => path.split('/').pop() ?? path

/**
 * `agentEnv` is the environment the agent runs with (service files, /proc/PID/environ) when known; the proxy `env`
 * setting is resolved against it (v1.32: socks_proxy then http_proxy; v2.x: http_proxy then https_proxy; lower case
 * only).
 */
export function readCloudSettings(
  install: Install,
  version: null | Version,
  agentEnv: Record<string, string> = {},
): CloudSettings {
  const rules = eraRules(version)
  const paths = cloudPaths(install, version)
  const owners = agentFileOwners(install.runAsUser)
  const cloud = readConfigFile(paths.cloudConf, {owners})
  const claim = rules.claim === 'claim.conf' ? readConfigFile(paths.claimConf, {owners}) : null
  const warnings: string[] = []
  const at = (file: string, line: number) => `${fileName(file)}:${line}`

  // URL
  let url: Sourced<string> = {source: 'default', value: rules.defaultUrl}
  const urlSetting =
    cloud?.doc.get('global', rules.urlKey) ??
    (rules.urlKey === 'url' ? cloud?.doc.get('global', 'cloud base url') : undefined)
  if (urlSetting && urlSetting.value !== '')
    url = {source: at(paths.cloudConf, urlSetting.line), value: urlSetting.value}
  if (rules.urlKey === 'url' && !cloud?.doc.get('global', 'url') && cloud?.doc.get('global', 'cloud base url')) {
    warnings.push('cloud.conf uses the v1 key `cloud base url`; v2 migrates it to `url` when it loads the file')
  }

  // proxy: v1 netdata.conf [cloud] proxy; v1.46+ cloud.conf [global] proxy, with netdata.conf still winning when set
  let proxy: Sourced<string> = {source: 'default', value: 'env'}
  const v146 = version ? compareVersions(version, [1, 46, 0]) >= 0 : false
  const fromCloud = v146 ? cloud?.doc.get('global', 'proxy') : undefined
  const fromNetdata = install.netdataConf?.get('cloud', 'proxy')
  if (fromCloud) proxy = {source: at(paths.cloudConf, fromCloud.line), value: fromCloud.value}
  if (fromNetdata) proxy = {source: at(install.netdataConfPath, fromNetdata.line), value: fromNetdata.value}
  if (fromCloud && fromNetdata && fromCloud.value !== fromNetdata.value) {
    warnings.push(
      `proxy differs: ${proxy.source} says ${redactUrl(fromNetdata.value)}, cloud.conf says ${redactUrl(fromCloud.value)}; netdata.conf wins`,
    )
  }

  const claimProxy = claim?.doc.get('global', 'proxy')
  if (claimProxy && claimProxy.value !== proxy.value) {
    warnings.push(
      `claim.conf proxy (${redactUrl(claimProxy.value)}) differs from the ACLK proxy (${redactUrl(proxy.value)})`,
    )
  }

  let effectiveProxy: Sourced<null | string> = {source: proxy.source, value: null}
  if (proxy.value === 'env') {
    const order = version && version[0] >= 2 ? ['http_proxy', 'https_proxy'] : ['socks_proxy', 'http_proxy']
    const name = order.find(n => agentEnv[n])
    effectiveProxy = name
      ? {source: `env ${name}`, value: agentEnv[name]}
      : {source: `${proxy.source} (env: no ${order.join('/')})`, value: null}
  } else if (proxy.value !== 'none' && proxy.value !== '') effectiveProxy = {source: proxy.source, value: proxy.value}
  if (effectiveProxy.value?.startsWith('https://'))
    warnings.push('the agent does not support https:// proxies (no TLS to the proxy): it ignores this proxy')

  // enabled
  const enabledSetting = cloud?.doc.get('global', 'enabled')
  const interpreted = interpretEnabled(rules, enabledSetting?.value)
  const enabled = {
    ...interpreted,
    source: enabledSetting ? at(paths.cloudConf, enabledSetting.line) : 'default',
    value: enabledSetting?.value,
  }
  if (agentEnv.NETDATA_DISABLE_CLOUD && version && compareVersions(version, [1, 41, 0]) >= 0 && version[0] < 2) {
    Object.assign(enabled, {
      effective: 'off',
      note: "NETDATA_DISABLE_CLOUD is set in the agent's environment: it overrides cloud.conf",
      source: 'env NETDATA_DISABLE_CLOUD',
    })
  }

  const insecureSetting = rules.claim === 'claim.conf' ? cloud?.doc.get('global', 'insecure') : undefined
  const insecure = {
    source: insecureSetting ? at(paths.cloudConf, insecureSetting.line) : 'default',
    value: /^(yes|true|on)$/i.test(insecureSetting?.value ?? ''),
  }

  return {
    claimConf: claim?.doc ?? null,
    cloudConf: cloud?.doc ?? null,
    effectiveProxy,
    enabled,
    insecure,
    paths,
    proxy,
    rules,
    url,
    warnings,
  }
}
