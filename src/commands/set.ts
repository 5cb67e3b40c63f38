import {Args} from '@oclif/core'

import {discoverInstall} from '../agent/install.js'
import {BaseCommand} from '../cli/base-command.js'
import {setCloudOption} from '../services/set-cloud-option.js'
import type {Outcome} from '../ui/output.js'
import {renderSetOption} from '../ui/set-option.js'
import {changeFlags} from './enable.js'

export default class SetOption extends BaseCommand {
  static description =
    "Set one netdata.conf [cloud] option the agent's era reads (statistics, query thread count, proxy, mqtt5, conversation log, conversation log file, scope): lossless, atomic, idempotent; a key this era ignores is refused (exit 19)."
  static examples = [
    '<%= config.bin %> set cloud.statistics no',
    '<%= config.bin %> set cloud.query-thread-count 4 --dry-run',
    '<%= config.bin %> set "cloud.query thread count" 4',
    '<%= config.bin %> set cloud.proxy http://proxy.example:3128 --restart --json',
    '<%= config.bin %> set cloud.scope "license manager"    # v2.x',
  ]
  static args = {
    option: Args.string({
      description: 'cloud.<option>: spaces or dashes (cloud.query-thread-count = "cloud.query thread count")',
      required: true,
    }),
    value: Args.string({description: 'the value (booleans: yes or no)', required: true}),
  }
  static flags = {...changeFlags}

  async execute(): Promise<Outcome<unknown>> {
    const {args, flags} = await this.parse(SetOption)
    const r = await setCloudOption(discoverInstall(this.installOptions(flags)), args.option, args.value, {
      buildinfoFile: flags['buildinfo-file'],
      dryRun: flags['dry-run'],
      restart: flags.restart,
    })
    const {warnings, ...result} = r
    return {exitCode: 0, render: () => renderSetOption(r), result, warnings}
  }
}
