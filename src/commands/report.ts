import {Flags} from '@oclif/core'

import {discoverInstall} from '../agent/install.js'
import {BaseCommand} from '../cli/base-command.js'
import {buildReport} from '../services/report/index.js'
import type {Outcome} from '../ui/output.js'
import {renderReport} from '../ui/report.js'

export default class Report extends BaseCommand {
  static description =
    'Write one support archive (tar.gz): status, buildinfo, the link walk, the ACLK log lines, the service environment, the cloud.d listing and the cloud settings files, every secret removed, with a manifest. --print shows it first.'
  static examples = [
    '<%= config.bin %> report',
    '<%= config.bin %> report --print | less',
    '<%= config.bin %> report --anonymize --output /tmp/ticket-1234.tar.gz',
    '<%= config.bin %> report --no-link    # do not contact Netdata Cloud',
  ]
  static flags = {
    output: Flags.string({char: 'o', description: 'archive path (default ./netdata-cloud-report-<time>.tar.gz)'}),
    print: Flags.boolean({description: 'print everything the archive would hold, and write nothing'}),
    anonymize: Flags.boolean({description: 'also replace the claim id and the machine GUID'}),
    'no-link': Flags.boolean({description: 'leave out the link walk (it contacts Netdata Cloud)'}),
    ca: Flags.string({description: 'a PEM CA bundle the link walk trusts (a private CA, an emulator)', multiple: true}),
    timeout: Flags.integer({default: 5000, description: 'milliseconds for each network step and agent call', min: 1}),
  }

  async execute(): Promise<Outcome<unknown>> {
    const {flags} = await this.parse(Report)
    const result = await buildReport(discoverInstall(this.installOptions(flags)), {
      anonymize: flags.anonymize,
      caFiles: flags.ca,
      noLink: flags['no-link'],
      output: flags.output,
      print: flags.print,
      timeoutMs: flags.timeout,
      toolVersion: this.config.version,
    })
    return {exitCode: 0, render: () => renderReport(result), result}
  }
}
