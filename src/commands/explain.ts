import {Args} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {explainExitCode, explainText, readExplainInput} from '../services/explain.js'
import {renderExplain} from '../ui/explain.js'
import type {Outcome} from '../ui/output.js'

export default class Explain extends BaseCommand {
  static description =
    'Explain an agent log line, a netdata-claim.sh/kickstart exit code, a Cloud errorMsgKey, an MQTT CONNACK code or an OpenSSL verify error: cause, step, agent eras, fix. Unknown input exits 18.'
  static examples = [
    '<%= config.bin %> explain "MQTT CONNACK returned error 135"',
    '<%= config.bin %> explain ErrForbidden',
    '<%= config.bin %> explain exit 12',
    '<%= config.bin %> explain "SSL: certificate verify error 20:unable to get local issuer certificate at depth 0"',
    'grep -E "ACLK|CLAIM" /var/log/netdata/error.log | <%= config.bin %> explain -',
  ]
  static strict = false
  static args = {
    text: Args.string({
      description: 'what to explain (several words are joined); - reads lines from stdin',
      required: true,
    }),
  }

  async execute(): Promise<Outcome<unknown>> {
    const {argv} = await this.parse(Explain)
    const result = explainText(readExplainInput(argv as string[]))
    return {exitCode: explainExitCode(result), render: () => renderExplain(result), result}
  }
}
