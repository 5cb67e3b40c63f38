import {Flags} from '@oclif/core'

import {discoverInstall} from '../agent/install.js'
import {BaseCommand} from '../cli/base-command.js'
import {EXIT, UserError} from '../base/errors.js'
import {applyUnclaim, planUnclaim} from '../services/unclaim.js'
import {renderUnclaim} from '../ui/claim.js'
import type {Outcome} from '../ui/output.js'

export default class Unclaim extends BaseCommand {
  static aliases = ['disconnect']
  static description =
    'Disconnect (unclaim) this node from Netdata Cloud: remove the claim, and what would claim it again on restart. Backs up what it removes; keeps the key pair unless --rotate-key.'
  static examples = [
    'sudo <%= config.bin %> unclaim',
    'sudo <%= config.bin %> unclaim --yes --restart --json',
    'sudo <%= config.bin %> unclaim --yes --rotate-key --regenerate-guid   # a cloned VM',
  ]
  static flags = {
    yes: Flags.boolean({char: 'y', description: 'do not ask for confirmation'}),
    'dry-run': Flags.boolean({description: 'show what would be removed; change nothing'}),
    backup: Flags.boolean({
      allowNo: true,
      default: true,
      description: 'copy what is removed to <cloud.d>.bak-<time> first (--no-backup to skip)',
    }),
    'rotate-key': Flags.boolean({description: 'also remove the key pair (a new one is made at the next claim)'}),
    'regenerate-guid': Flags.boolean({
      description: 'give the node a new machine GUID (cloned VMs/images only: it becomes a new node everywhere)',
    }),
    restart: Flags.boolean({description: 'restart the agent afterwards (systemd, then service)'}),
    reload: Flags.boolean({
      allowNo: true,
      default: true,
      description: 'v1 agents: tell the running agent (netdatacli reload-claiming-state); --no-reload to skip',
    }),
    'buildinfo-file': Flags.string({
      description: 'treat the agent build as this saved `netdata -W buildinfo` says (testing)',
      hidden: true,
    }),
  }

  async execute(): Promise<Outcome<unknown>> {
    const {flags} = await this.parse(Unclaim)
    const options = {
      backup: flags.backup,
      buildinfoFile: flags['buildinfo-file'],
      dryRun: flags['dry-run'],
      install: discoverInstall(this.installOptions(flags)),
      regenerateGuid: flags['regenerate-guid'],
      reload: flags.reload,
      restart: flags.restart,
      rotateKey: flags['rotate-key'],
    }
    const plan = await planUnclaim(options)
    if (plan.removals.length > 0 && !flags.yes && !flags['dry-run']) {
      if (!process.stdin.isTTY || !process.stderr.isTTY || this.jsonEnabled()) {
        throw new UserError(
          'badInput',
          `unclaim needs confirmation: it removes the claim${plan.oldClaimId ? ` ${plan.oldClaimId}` : ''}`,
          {fix: 'rerun with --yes (or --dry-run to see what would change)'},
        )
      }

      const what = plan.removals.map(r => `  ${r.action} ${r.path}`).join('\n')
      const {confirmAction} = await import('../ui/prompts.js')
      if (
        !(await confirmAction(
          `Disconnect this node from Netdata Cloud${plan.oldClaimId ? ` (claim id ${plan.oldClaimId})` : ''}?\n${what}\n`,
        ))
      ) {
        throw new UserError('badInput', 'not confirmed: nothing was changed')
      }
    }

    const result = await applyUnclaim(plan, options)
    return {
      exitCode: result.restart.state === 'failed' ? EXIT.restartFailed : 0,
      render: () => renderUnclaim(result),
      result,
      warnings: [],
    }
  }
}
