import {discoverInstall} from '../agent/install.js'
import {BaseCommand} from '../cli/base-command.js'
import {EXIT} from '../base/errors.js'
import {toggleCloud} from '../services/toggle-cloud.js'
import {renderToggle} from '../ui/config-change.js'
import type {Outcome} from '../ui/output.js'
import {changeFlags} from './enable.js'

export default class Disable extends BaseCommand {
  static description =
    'Turn the cloud link off: set cloud.conf [global] enabled = no in the file this agent reads (idempotent).'
  static examples = [
    '<%= config.bin %> disable',
    '<%= config.bin %> disable --dry-run',
    '<%= config.bin %> disable --restart --json',
  ]
  static flags = {...changeFlags}

  async execute(): Promise<Outcome<unknown>> {
    const {flags} = await this.parse(Disable)
    const r = await toggleCloud(discoverInstall(this.installOptions(flags)), {
      action: 'disable',
      buildinfoFile: flags['buildinfo-file'],
      dryRun: flags['dry-run'],
      restart: flags.restart,
    })
    const {warnings, ...result} = r
    return {
      exitCode: r.restart === 'failed' ? EXIT.restartFailed : 0,
      render: () => renderToggle(r),
      result,
      warnings,
    }
  }
}
