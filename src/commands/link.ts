import {Flags} from '@oclif/core'

import {discoverInstall} from '../agent/install.js'
import {BaseCommand} from '../cli/base-command.js'
import {STEP_IDS, type StepId} from '../cloud/link-types.js'
import {UserError} from '../base/errors.js'
import {linkEmulator, linkNode, type LinkOptions} from '../services/link.js'
import {readProxyOption} from '../services/proxy-option.js'
import {progressPrinter, renderLink} from '../ui/link.js'
import type {Outcome} from '../ui/output.js'

const seconds = (flag: string, text: string): number => {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim())
  if (!m || Number(m[1]) <= 0)
    throw new UserError('badInput', `--${flag} ${text}: not a duration`, {
      fix: `e.g. --${flag} 5 (seconds) or --${flag} 500ms`,
    })
  return Math.round(m[2] === 'ms' ? Number(m[1]) : Number(m[1]) * 1000)
}

const steps = (list: string[] | undefined): StepId[] | undefined =>
  list
    ?.flatMap(s => s.split(','))
    .map(s => s.trim())
    .filter(Boolean)
    .map(s => {
      if (!STEP_IDS.includes(s as StepId))
        throw new UserError('badInput', `unknown step ${JSON.stringify(s)}`, {fix: `steps: ${STEP_IDS.join(', ')}`})
      return s as StepId
    })

export default class Link extends BaseCommand {
  static aliases = ['diagnose']
  static description = `Walk the real connection to Netdata Cloud step by step (${STEP_IDS.join(', ')}) and name the failing step, with one fix line.`
  static examples = [
    '<%= config.bin %> link --emulator',
    '<%= config.bin %> link',
    '<%= config.bin %> link --proxy http://proxy.example:3128 --only tls',
    '<%= config.bin %> link --json --timeout 10',
  ]
  static flags = {
    emulator: Flags.boolean({
      description:
        'walk against an in-process Netdata Cloud emulator with a throw-away identity (no agent, no internet needed)',
    }),
    fault: Flags.string({
      description:
        'with --emulator: make the emulator misbehave (expired-cert, token-rejected, connack-refused:135, slow:MS…)',
      multiple: true,
    }),
    url: Flags.string({description: 'the cloud URL to walk to, instead of the configured one'}),
    proxy: Flags.string({
      description:
        'the proxy to use instead of the configured one: none, http://[user:pass@]host:port, socks5://…, socks5h://…',
    }),
    'proxy-file': Flags.string({
      description:
        'read the proxy URL (with its user:password) from the first line of this file; or set NETDATA_CLOUD_PROXY. Keeps the password off the command line',
      exclusive: ['proxy'],
    }),
    ca: Flags.string({
      description: "a PEM CA file to trust in addition to the default store (e.g. an emulator's ca.pem)",
      multiple: true,
    }),
    timeout: Flags.string({default: '5', description: 'time limit per step, seconds (or 500ms)'}),
    deadline: Flags.string({default: '30', description: 'time limit for the whole walk, seconds'}),
    only: Flags.string({
      description: `run only these steps (and the steps they need): ${STEP_IDS.join(',')}`,
      multiple: true,
    }),
    skip: Flags.string({description: 'do not run these steps (steps that need them are skipped)', multiple: true}),
    'take-over': Flags.boolean({
      description:
        'do the MQTT CONNECT even when the running agent is online (its session is taken over; it reconnects by itself)',
    }),
    force: Flags.boolean({
      description: 'walk even when the agent build has no ACLK (it cannot link; this tests the network path only)',
    }),
    yes: Flags.boolean({char: 'y', description: 'do not ask for confirmation (--take-over)'}),
    'as-version': Flags.string({
      description: 'walk as this agent version would (era: /env path, MQTT 3.1.1 or 5, topics)',
    }),
  }

  async execute(): Promise<Outcome<unknown>> {
    const {flags} = await this.parse(Link)
    if (flags.fault && !flags.emulator)
      throw new UserError('badInput', '--fault needs --emulator', {fix: 'add --emulator'})
    if (flags['take-over'] && !flags.yes) await this.confirmTakeOver()
    const json = this.jsonEnabled()
    const proxy = readProxyOption({env: process.env, file: flags['proxy-file'], flag: flags.proxy})
    const options: LinkOptions = {
      asVersion: flags['as-version'],
      caFiles: flags.ca,
      force: flags.force,
      deadlineMs: seconds('deadline', flags.deadline),
      onProgress: json ? undefined : progressPrinter({emulator: flags.emulator, tty: Boolean(process.stderr.isTTY)}),
      only: steps(flags.only),
      proxy: proxy.proxy,
      skip: steps(flags.skip),
      takeOver: flags['take-over'],
      timeoutMs: seconds('timeout', flags.timeout),
      url: flags.url,
    }
    let report
    if (flags.emulator) {
      // imported inside the start function, so the throw-away key is generated (thread pool) while it loads
      const start = async (o: {faults?: string[]}) => (await import('../emulator/index.js')).startEmulator(o)
      report = await linkEmulator(start, {...options, faults: flags.fault})
    } else report = await linkNode(discoverInstall(this.installOptions(flags)), options)
    return {exitCode: report.exitCode, render: () => renderLink(report), result: report, warnings: proxy.warnings}
  }

  private async confirmTakeOver(): Promise<void> {
    if (!process.stdin.isTTY)
      throw new UserError('badInput', '--take-over needs --yes when not run on a terminal', {
        fix: "add --yes to confirm taking over the agent's MQTT session",
      })
    const {confirmAction} = await import('../ui/prompts.js')
    const ok = await confirmAction(
      'If the agent is online, the test CONNECT takes over its MQTT session (it reconnects by itself). Continue?',
    )
    if (!ok)
      throw new UserError('badInput', 'not confirmed: nothing was done', {
        fix: 'run without --take-over to stop before MQTT CONNECT',
      })
  }
}
