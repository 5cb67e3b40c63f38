import {Flags} from '@oclif/core'

import {discoverInstall} from '../agent/install.js'
import {BaseCommand} from '../cli/base-command.js'
import {followAgentLogs, readAgentLogs, sourceFor} from '../services/agent-logs.js'
import {renderFollowedLine, renderLogs} from '../ui/logs.js'
import {type Outcome, printText} from '../ui/output.js'

export default class Logs extends BaseCommand {
  static description =
    "The ACLK and claim lines of the agent's own log (error.log, daemon.log or the journal, found from netdata.conf [logs]), folded with counts and first/last time, each explained from the table of causes."
  static examples = [
    '<%= config.bin %> logs',
    '<%= config.bin %> logs --since 2h --json',
    '<%= config.bin %> logs --follow',
    '<%= config.bin %> logs --file /var/log/netdata/error.log',
  ]
  static flags = {
    file: Flags.string({
      char: 'f',
      description: 'read this log file instead of the one netdata.conf names; - for stdin',
    }),
    since: Flags.string({description: 'only lines from this time on: an ISO time, or 30s / 10m / 2h / 7d ago'}),
    follow: Flags.boolean({description: 'keep reading: print each new ACLK/claim line as it is written (Ctrl-C ends)'}),
    debug: Flags.boolean({description: 'keep debug-level lines too'}),
  }

  async execute(): Promise<Outcome<unknown>> {
    const {flags} = await this.parse(Logs)
    const options = {debug: flags.debug, file: flags.file, since: flags.since}
    const source = sourceFor(flags.file ? null : discoverInstall(this.installOptions(flags)), options)
    if (flags.follow) {
      const stop = new AbortController()
      const end = () => stop.abort()
      process.once('SIGINT', end)
      process.once('SIGTERM', end)
      const json = this.jsonEnabled()
      await followAgentLogs(
        source,
        options,
        line => printText(json ? JSON.stringify({command: 'logs', line, ok: true}) : renderFollowedLine(line)),
        stop.signal,
      )
      this.jsonPrinted = true
      return {exitCode: 0, render: () => '', result: null}
    }

    const result = await readAgentLogs(source, options)
    return {exitCode: 0, render: () => renderLogs(result), result}
  }
}
