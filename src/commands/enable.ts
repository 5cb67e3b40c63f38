import {Flags} from '@oclif/core'

import {discoverInstall} from '../agent/install.js'
import {BaseCommand} from '../cli/base-command.js'
import {EXIT} from '../base/errors.js'
import {toggleCloud} from '../services/toggle-cloud.js'
import {renderToggle} from '../ui/config-change.js'
import type {Outcome} from '../ui/output.js'

export const changeFlags = {
  'dry-run': Flags.boolean({description: 'print the unified diff of the change and write nothing'}),
  restart: Flags.boolean({description: 'restart the agent after a change (systemd, else `service`, else print how)'}),
  'buildinfo-file': Flags.string({
    description:
      'support/testing: judge the change against a saved `netdata -W buildinfo` output instead of running the agent',
    hidden: true,
  }),
}

export default class Enable extends BaseCommand {
  static description =
    'Turn the cloud link on: set cloud.conf [global] enabled = yes in the file this agent reads (idempotent).'
  static examples = [
    '<%= config.bin %> enable',
    '<%= config.bin %> enable --dry-run',
    '<%= config.bin %> enable --restart --json',
    '<%= config.bin %> enable --auto    # v1.41–v1.47: let the agent decide',
  ]
  static flags = {
    ...changeFlags,
    auto: Flags.boolean({description: 'write `enabled = auto` (v1.41–v1.47 only): the agent links when claimed'}),
    force: Flags.boolean({description: 'write the setting even when this build has no ACLK (it has no effect there)'}),
  }

  async execute(): Promise<Outcome<unknown>> {
    const {flags} = await this.parse(Enable)
    const r = await toggleCloud(discoverInstall(this.installOptions(flags)), {
      action: 'enable',
      auto: flags.auto,
      buildinfoFile: flags['buildinfo-file'],
      dryRun: flags['dry-run'],
      force: flags.force,
      restart: flags.restart,
    })
    const {warnings, ...result} = r
    return {
      // the file says on, but NETDATA_DISABLE_CLOUD keeps the link off: not a success
      exitCode:
        r.restart === 'failed'
          ? EXIT.restartFailed
          : r.overriddenBy?.what === 'NETDATA_DISABLE_CLOUD'
            ? EXIT.cloudDisabled
            : 0,
      render: () => renderToggle(r),
      result,
      warnings,
    }
  }
}
