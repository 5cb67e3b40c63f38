import {Flags} from '@oclif/core'

import {discoverInstall} from '../agent/install.js'
import {BaseCommand} from '../cli/base-command.js'
import {EXIT} from '../base/errors.js'
import {listEndpoints} from '../services/endpoints.js'
import {getStatus, statusExitCode} from '../services/status.js'
import {renderEndpoints} from '../ui/endpoints.js'
import type {Outcome} from '../ui/output.js'
import {renderStatus} from '../ui/status.js'

export default class Status extends BaseCommand {
  static description =
    'Is this node linked to Netdata Cloud? If not, what stops it. Exits 0 only when linked (with --offline: when nothing in the files stops it).'
  static examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status --json',
    '<%= config.bin %> status --offline',
    '<%= config.bin %> status --endpoints    # the egress allow-list for a firewall ticket',
  ]
  static flags = {
    offline: Flags.boolean({description: 'check the build and the files only; do not ask the running agent'}),
    timeout: Flags.integer({
      default: 3000,
      description: "milliseconds to wait for the agent's API (with --endpoints: for each lookup and /env)",
      min: 1,
    }),
    endpoints: Flags.boolean({
      description:
        'list every host:port this node must reach and why (the base URL, the auth and MQTT endpoints /env returns, the proxy), with the addresses they resolve to now',
      exclusive: ['offline'],
    }),
    ca: Flags.string({description: 'with --endpoints: trust this PEM CA bundle for /env (a private CA, an emulator)'}),
  }

  async execute(): Promise<Outcome<unknown>> {
    const {flags} = await this.parse(Status)
    if (flags.endpoints) {
      const r = await listEndpoints(discoverInstall(this.installOptions(flags)), {
        caFile: flags.ca,
        timeoutMs: flags.timeout,
      })
      const {warnings, ...result} = r
      return {
        exitCode: r.env.state === 'failed' ? EXIT[r.env.code ?? 'cloudApi'] : 0,
        render: () => renderEndpoints(r),
        result,
        warnings,
      }
    }

    const report = await getStatus(discoverInstall(this.installOptions(flags)), {
      offline: flags.offline,
      timeoutMs: flags.timeout,
    })
    return {exitCode: statusExitCode(report), render: () => renderStatus(report), result: report}
  }
}
