import {Flags} from '@oclif/core'

import {discoverInstall} from '../agent/install.js'
import {BaseCommand} from '../cli/base-command.js'
import {EXIT} from '../base/errors.js'
import {claimNode} from '../services/claim.js'
import {readClaimToken} from '../services/claim/inputs.js'
import {readProxyOption} from '../services/proxy-option.js'
import {renderClaim, showProgress} from '../ui/claim.js'
import type {Outcome} from '../ui/output.js'

export default class Claim extends BaseCommand {
  static aliases = ['connect']
  static description =
    'Connect (claim) this node to a Netdata Cloud Space, the way its agent version needs. The token is read from a file, stdin, NETDATA_CLAIM_TOKEN or a masked prompt — never from the command line.'
  static examples = [
    'sudo <%= config.bin %> claim --token-file /root/space.token --rooms ROOM_ID',
    'printf %s "$TOKEN" | sudo <%= config.bin %> claim --token-stdin --yes --json',
    'sudo <%= config.bin %> claim --token-file t --dry-run',
  ]
  static flags = {
    'token-file': Flags.string({
      description: 'read the claim token from this file (chmod 600)',
      exclusive: ['token-stdin'],
    }),
    'token-stdin': Flags.boolean({description: 'read the claim token from stdin'}),
    rooms: Flags.string({
      description: "room ids to add the node to, comma-separated (default: the Space's default room)",
    }),
    url: Flags.string({description: "Netdata Cloud base URL (default: cloud.conf, else the agent version's default)"}),
    proxy: Flags.string({
      description:
        "proxy for the claim request: none, env, http://[user:pass@]host:port, socks5://…, socks5h://… (default: the agent's)",
    }),
    'proxy-file': Flags.string({
      description:
        'read the proxy URL (with its user:password) from the first line of this file; or set NETDATA_CLOUD_PROXY. Keeps the password off the command line',
      exclusive: ['proxy'],
    }),
    insecure: Flags.boolean({description: "do not verify Cloud's TLS certificate (testing only)"}),
    ca: Flags.string({
      description: 'trust this CA bundle for the claim request (default cloud.d/cloud_fullchain.pem when present)',
    }),
    id: Flags.string({
      description: 'claim id to use (a UUID; default: a new random one). Not for v2 claim.conf claiming',
    }),
    hostname: Flags.string({
      description: 'node name shown in Cloud (default: netdata.conf [global] hostname, else the host name)',
    }),
    direct: Flags.boolean({
      description:
        'v2 agents: send the claim request from netdata-cloud instead of letting the agent claim from claim.conf',
    }),
    force: Flags.boolean({
      description: 'claim even when the node is already claimed (a new claim id; the key pair is kept)',
    }),
    'dry-run': Flags.boolean({description: 'show the files and the request (token masked); send and write nothing'}),
    reload: Flags.boolean({
      allowNo: true,
      default: true,
      description: 'tell the running agent (netdatacli) after claiming; --no-reload to skip',
    }),
    yes: Flags.boolean({char: 'y', description: 'never prompt (fail instead when the token is missing)'}),
    timeout: Flags.integer({
      default: 10_000,
      description: 'milliseconds for each attempt of the claim request',
      min: 1,
    }),
    retries: Flags.integer({
      description:
        'attempts after the first when the request could not get through (default as the agent era: v1 2, after connection failures only; v2 4, also after 102/5xx answers); 0 for one attempt',
      max: 10,
      min: 0,
    }),
    'buildinfo-file': Flags.string({
      description: 'treat the agent build as this saved `netdata -W buildinfo` says (testing)',
      hidden: true,
    }),
  }

  async execute(): Promise<Outcome<unknown>> {
    const {flags} = await this.parse(Claim)
    const install = discoverInstall(this.installOptions(flags))
    const quiet = this.jsonEnabled()
    const {token, warnings} = await readClaimToken({
      env: process.env,
      file: flags['token-file'],
      interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY) && !flags.yes && !flags['token-stdin'],
      prompt: async () => (await import('../ui/prompts.js')).promptToken(),
      stdin: flags['token-stdin'],
    })
    const proxy = readProxyOption({env: process.env, file: flags['proxy-file'], flag: flags.proxy})
    const result = await claimNode({
      buildinfoFile: flags['buildinfo-file'],
      caFile: flags.ca,
      direct: flags.direct,
      dryRun: flags['dry-run'],
      force: flags.force,
      hostname: flags.hostname,
      toolVersion: this.config.version,
      id: flags.id,
      insecure: flags.insecure,
      install,
      onProgress: quiet ? undefined : showProgress,
      proxy: proxy.proxy,
      reload: flags.reload,
      retries: flags.retries,
      rooms: flags.rooms ? flags.rooms.split(',') : [],
      timeoutMs: flags.timeout,
      token,
      url: flags.url,
    })
    const failed = result.agent.state === 'failed' && result.method === 'v2-claim.conf'
    const {warnings: claimWarnings, ...body} = result
    return {
      exitCode: failed ? EXIT.claimRejected : 0,
      render: () => renderClaim(result),
      result: body,
      warnings: [...warnings, ...proxy.warnings, ...claimWarnings],
    }
  }
}
