// The proxy given to claim and link: --proxy, --proxy-file or NETDATA_CLOUD_PROXY (issue 13). A password in --proxy
// sits in this process's /proc/PID/cmdline, readable by every local user, for the whole run: it still works, with a
// warning; the file and the environment variable keep it off the command line.

import {UserError} from '../base/errors.js'
import type {Warning} from '../base/result.js'
import {redactUrl} from '../base/secrets.js'
import {readTextFile} from '../config/read.js'

export const PROXY_ENV = 'NETDATA_CLOUD_PROXY'

export interface ProxySources {
  flag?: string
  file?: string
  env: NodeJS.ProcessEnv
}

const hasPassword = (value: string): boolean => redactUrl(value) !== value

/** The proxy value to use (undefined: the agent's configured one), and what to warn about. */
export function readProxyOption(src: ProxySources): {proxy?: string; source?: string; warnings: Warning[]} {
  const warnings: Warning[] = []
  if (src.flag !== undefined && src.file !== undefined)
    throw new UserError('usage', '--proxy and --proxy-file: give one of them', {fix: 'drop one'})
  if (src.flag !== undefined) {
    if (hasPassword(src.flag)) {
      warnings.push({
        message: `--proxy holds a password: every local user can read it in /proc/${process.pid}/cmdline while this runs; use --proxy-file FILE or ${PROXY_ENV} instead`,
      })
    }

    return {proxy: src.flag, source: '--proxy', warnings}
  }

  if (src.file !== undefined) {
    const text = readTextFile(src.file, 'proxy file', 64 * 1024, {badText: 'badInput'})
    if (text === null)
      throw new UserError('badInput', `--proxy-file ${src.file}: no such file`, {
        fix: 'put the proxy URL (http://user:password@host:port) on its first line',
      })
    const value = text
      .split('\n')
      .find(l => l.trim() !== '')
      ?.trim()
    if (!value)
      throw new UserError('badInput', `--proxy-file ${src.file}: empty, no proxy URL in it`, {
        fix: 'put the proxy URL (http://user:password@host:port) on its first line',
      })
    return {proxy: value, source: `--proxy-file`, warnings}
  }

  const fromEnv = src.env[PROXY_ENV]?.trim()
  if (fromEnv) {
    // not inherited by the children we start (netdatacli, the agent binary)
    delete src.env[PROXY_ENV]
    return {proxy: fromEnv, source: PROXY_ENV, warnings}
  }

  return {warnings}
}
