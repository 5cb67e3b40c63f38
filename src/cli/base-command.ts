// The base every command extends: the global flags, the JSON envelope, and the mapping from error class to exit
// status. Commands stay thin: parse flags, call one service, hand an Outcome to the UI.

import {Command, Flags, type Interfaces} from '@oclif/core'

import {BugError, EXIT, UserError} from '../base/errors.js'
import {debugAsksForLog, setLogSink} from '../base/log.js'
import {sourceMappedStack} from '../base/stack.js'
import type {Warning} from '../base/result.js'
import {type InstallOptions} from '../agent/install.js'
import {envelope, printError, printText, type Outcome, setColor} from '../ui/output.js'

export const globalFlags = {
  prefix: Flags.string({
    description:
      'install root of the agent (/, /opt/netdata, or an --install-prefix tree); found automatically when omitted [env: NETDATA_CLOUD_PREFIX]',
    helpGroup: 'GLOBAL',
  }),
  'config-dir': Flags.string({
    description:
      "the agent's config directory (default: by install type, e.g. /etc/netdata) [env: NETDATA_CLOUD_CONFIG_DIR]",
    helpGroup: 'GLOBAL',
  }),
  'lib-dir': Flags.string({
    description: "the agent's state directory holding cloud.d (e.g. /var/lib/netdata) [env: NETDATA_CLOUD_LIB_DIR]",
    helpGroup: 'GLOBAL',
  }),
  netdata: Flags.string({description: 'path of the netdata binary [env: NETDATA_CLOUD_NETDATA]', helpGroup: 'GLOBAL'}),
  'agent-url': Flags.string({
    description: "URL of the running agent's API (default http://127.0.0.1:19999) [env: NETDATA_CLOUD_AGENT_URL]",
    helpGroup: 'GLOBAL',
  }),
  'no-color': Flags.boolean({description: 'no colours (also NO_COLOR)', helpGroup: 'GLOBAL'}),
  quiet: Flags.boolean({
    description: 'print nothing but errors; the exit status tells the outcome (--json still prints its document)',
    helpGroup: 'GLOBAL',
  }),
  verbose: Flags.boolean({
    description:
      'log each file read, command run and request sent, with timings, on stderr (also DEBUG=netdata-cloud:*)',
    helpGroup: 'GLOBAL',
  }),
}

export type GlobalFlags = Interfaces.InferredFlags<typeof globalFlags>

export abstract class BaseCommand extends Command {
  static baseFlags = globalFlags
  static enableJsonFlag = true
  protected warnings: Warning[] = []
  /** Set by a long-running command that printed its --json envelope early (emulator), so run() prints no second one. */
  protected jsonPrinted = false

  /** Do the command's work and return what to show. */
  abstract execute(): Promise<Outcome<unknown>>

  public async run(): Promise<void> {
    const outcome = await this.execute()
    this.warnings.push(...(outcome.warnings ?? []))
    if (this.jsonEnabled()) {
      if (!this.jsonPrinted)
        printText(
          JSON.stringify(envelope(this.id ?? '', outcome.exitCode === 0, outcome.result, this.warnings), null, 2) +
            '\n',
        )
    } else if (!this.argv.includes('--quiet')) {
      printText(outcome.render())
      for (const w of this.warnings) printError(`warning: ${w.message}`)
    }

    if (outcome.exitCode !== 0) process.exitCode = outcome.exitCode
  }

  protected async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<any> {
    if (err.oclif?.exit !== undefined && !(err instanceof UserError)) {
      // oclif's own parse errors (unknown flag, missing argument) and this.exit()
      if (err.oclif.exit === 0) return
      if (this.jsonEnabled()) {
        printText(
          JSON.stringify(
            envelope(this.id ?? '', false, null, this.warnings, {code: 'usage', message: err.message}),
            null,
            2,
          ) + '\n',
        )
      } else printError(`netdata-cloud: ${err.message.split('\n')[0]}`)
      process.exitCode = EXIT.usage
      return
    }

    const known = err instanceof UserError ? err : new BugError(err.message, {cause: err})
    const code = known instanceof UserError ? known.exitCode : EXIT.bug
    if (this.jsonEnabled()) {
      const error = {
        code: known.code,
        message: known.message,
        ...(known instanceof UserError ? {fix: known.fix, ref: known.ref} : {}),
      }
      printText(JSON.stringify(envelope(this.id ?? '', false, null, this.warnings, error), null, 2) + '\n')
    } else {
      printError(`netdata-cloud: ${known.message}`)
      if (known instanceof UserError && known.fix) printError(`  Try this: ${known.fix}`)
      if (!(known instanceof UserError)) {
        printError('  This is a bug in netdata-cloud. Run again with DEBUG=netdata-cloud for the stack trace.')
        if (process.env.DEBUG?.includes('netdata-cloud')) printError(sourceMappedStack(String(err.stack)))
      }
    }

    process.exitCode = code
  }

  protected async init(): Promise<void> {
    await super.init()
    const {argv} = this
    if (argv.includes('--no-color') || process.env.NO_COLOR !== undefined || argv.includes('--json')) setColor(false)
    if (argv.includes('--verbose') || debugAsksForLog()) setLogSink(printError)
  }

  /** Global flags → options for install discovery (flags win over NETDATA_CLOUD_* env, which win over detection). */
  protected installOptions(flags: Partial<GlobalFlags>): InstallOptions {
    return {
      agentUrl: flags['agent-url'],
      configDir: flags['config-dir'],
      env: process.env,
      libDir: flags['lib-dir'],
      netdata: flags.netdata,
      prefix: flags.prefix,
    }
  }
}
