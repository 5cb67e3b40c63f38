import {Flags} from '@oclif/core'

import {discoverInstall} from '../agent/install.js'
import {BaseCommand} from '../cli/base-command.js'
import {collectMetadata} from '../services/metadata.js'
import {renderMetadata} from '../ui/metadata.js'
import type {Outcome} from '../ui/output.js'

export default class Metadata extends BaseCommand {
  static description =
    'What this node sends to Netdata Cloud (the "Data privacy" list): hostname, /api/v1/info, charts and alert metadata, with this node\'s values.'
  static examples = [
    '<%= config.bin %> metadata',
    '<%= config.bin %> metadata --save /root/netdata-audit',
    '<%= config.bin %> metadata --json',
  ]
  static flags = {
    save: Flags.string({
      description:
        'write the raw copies (info.json, charts.json, alarms-all.json, alarms-active.json) into this directory, for an audit',
    }),
    timeout: Flags.integer({default: 5000, description: 'milliseconds to wait for each agent API call', min: 1}),
  }

  async execute(): Promise<Outcome<unknown>> {
    const {flags} = await this.parse(Metadata)
    const report = await collectMetadata(discoverInstall(this.installOptions(flags)), {
      saveDir: flags.save,
      timeoutMs: flags.timeout,
    })
    return {exitCode: 0, render: () => renderMetadata(report), result: report}
  }
}
