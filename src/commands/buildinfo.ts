import {Flags} from '@oclif/core'

import {discoverInstall} from '../agent/install.js'
import {BaseCommand} from '../cli/base-command.js'
import {buildinfoFromAgent, buildinfoFromFile} from '../services/buildinfo.js'
import {renderBuildinfo} from '../ui/buildinfo.js'
import type {Outcome} from '../ui/output.js'

export default class Buildinfo extends BaseCommand {
  static description =
    'Show what this agent build can do for Netdata Cloud: version, era, cloud support, ACLK implementations, install type.'
  static examples = [
    '<%= config.bin %> buildinfo',
    '<%= config.bin %> buildinfo --file ticket-1234-buildinfo.txt',
    'netdata -W buildinfo | <%= config.bin %> buildinfo --file -',
  ]
  static flags = {
    file: Flags.string({
      char: 'f',
      description:
        'parse a saved `netdata -W buildinfo` (or buildinfojson) output instead of running the agent; - for stdin',
    }),
  }

  async execute(): Promise<Outcome<unknown>> {
    const {flags} = await this.parse(Buildinfo)
    const report = flags.file
      ? await buildinfoFromFile(flags.file)
      : await buildinfoFromAgent(discoverInstall(this.installOptions(flags)))
    return {exitCode: 0, render: () => renderBuildinfo(report), result: report}
  }
}
