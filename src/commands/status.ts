import {Flags} from '@oclif/core'

import {discoverInstall} from '../agent/install.js'
import {BaseCommand} from '../cli/base-command.js'
import {getStatus, statusExitCode} from '../services/status.js'
import type {Outcome} from '../ui/output.js'
import {renderStatus} from '../ui/status.js'

export default class Status extends BaseCommand {
  static description =
    'Is this node linked to Netdata Cloud? If not, what stops it. Exits 0 only when linked (with --offline: when nothing in the files stops it).'
  static examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status --json',
    '<%= config.bin %> status --offline',
  ]
  static flags = {
    offline: Flags.boolean({description: 'check the build and the files only; do not ask the running agent'}),
    timeout: Flags.integer({default: 3000, description: "milliseconds to wait for the agent's API", min: 1}),
  }

  async execute(): Promise<Outcome<unknown>> {
    const {flags} = await this.parse(Status)
    const report = await getStatus(discoverInstall(this.installOptions(flags)), {
      offline: flags.offline,
      timeoutMs: flags.timeout,
    })
    return {exitCode: statusExitCode(report), render: () => renderStatus(report), result: report}
  }
}
