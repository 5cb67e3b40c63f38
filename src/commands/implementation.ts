import {Args} from '@oclif/core'

import {discoverInstall} from '../agent/install.js'
import {BaseCommand} from '../cli/base-command.js'
import {EXIT} from '../base/errors.js'
import {showImplementation, switchImplementation} from '../services/switch-implementation.js'
import {renderImplementation, renderSwitch} from '../ui/config-change.js'
import type {Outcome} from '../ui/output.js'
import {changeFlags} from './enable.js'

export default class Implementation extends BaseCommand {
  static description =
    'Show which ACLK implementation the agent uses, or switch it (netdata.conf [cloud] aclk implementation; v1.32 builds with both only).'
  static examples = [
    '<%= config.bin %> implementation',
    '<%= config.bin %> implementation legacy --dry-run',
    '<%= config.bin %> implementation ng --restart',
  ]
  static args = {
    implementation: Args.string({
      description: 'the implementation to switch to',
      options: ['ng', 'legacy'],
      required: false,
    }),
  }
  static flags = {...changeFlags}

  async execute(): Promise<Outcome<unknown>> {
    const {args, flags} = await this.parse(Implementation)
    const install = discoverInstall(this.installOptions(flags))
    if (!args.implementation) {
      const {warnings, ...result} = await showImplementation(install, {buildinfoFile: flags['buildinfo-file']})
      return {
        exitCode: 0,
        render: () => renderImplementation({...result, warnings}),
        result,
        warnings,
      }
    }

    const r = await switchImplementation(install, args.implementation as 'legacy' | 'ng', {
      buildinfoFile: flags['buildinfo-file'],
      dryRun: flags['dry-run'],
      restart: flags.restart,
    })
    const {warnings, ...result} = r
    return {
      exitCode: r.restart === 'failed' ? EXIT.restartFailed : 0,
      render: () => renderSwitch(r),
      result,
      warnings,
    }
  }
}
