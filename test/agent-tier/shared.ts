// What every agent-tier file shares: an emulator + a real agent per test, and the CLI pointed at that agent.
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {type CliRun, runCliAsync} from '../helpers/cli.js'
import {hashedDir} from '../helpers/trust-node.js'
import {type RealAgent, startRealAgent, tierPrefix} from './real-agent.js'

export const PREFIX = tierPrefix()

export interface Rig {
  emu: Emulator
  agent: RealAgent
  /** the CLI against this agent (its flags first), with the agent's NETDATA_PIPENAME */
  cli(args: string[], timeoutMs?: number): Promise<CliRun>
  /** claim the era's default way (v2: claim.conf + reload; v1: native), or v2 --direct */
  claim(extra?: string[]): Promise<CliRun>
  /** MQTT sessions of this agent's claim id that got CONNACK 0 */
  sessions(claimId: string): number
  emulatorLog: string[]
}

/** a self-signed CA that signed nothing the emulator serves */
function unrelatedCa(dir: string): string {
  const out = join(dir, 'unrelated-ca.pem')
  const key = join(dir, 'unrelated-ca.key')
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1']
  execFileSync('openssl', [...args, '-subj', '/CN=unrelated test CA', '-keyout', key, '-out', out], {stdio: 'ignore'})
  return readFileSync(out, 'utf8')
}

export async function withRig<T>(
  fn: (rig: Rig) => Promise<T>,
  options: {faults?: string[]; agentCa?: 'dir' | 'dir-other' | 'emulator' | 'none'; extraConf?: string} = {},
): Promise<T> {
  const emulatorLog: string[] = []
  const tmp = mkdtempSync('/tmp/nc-rig.')
  const emu = await startEmulator({
    faults: options.faults ?? [],
    log: line => emulatorLog.push(line),
    verbose: true,
  })
  let agent: RealAgent | undefined
  try {
    // 'dir': the CA only in an OpenSSL hashed directory named by SSL_CERT_DIR (no SSL_CERT_FILE); 'dir-other': that
    // directory holds an unrelated CA only
    const certDir =
      options.agentCa === 'dir' || options.agentCa === 'dir-other'
        ? hashedDir(join(tmp, 'certs'), [options.agentCa === 'dir' ? emu.caPem : unrelatedCa(tmp)])
        : undefined
    agent = await startRealAgent(PREFIX, {
      ...(options.agentCa === 'none' || certDir ? {} : {caPath: emu.caPath}),
      ...(certDir ? {env: {SSL_CERT_DIR: certDir}} : {}),
      extraConf: options.extraConf ?? '',
    })
    const a = agent
    const cli = (args: string[], timeoutMs = 90_000) =>
      runCliAsync([args[0], ...a.cliFlags, ...args.slice(1)], {env: a.env, timeoutMs})
    const rig: Rig = {
      agent: a,
      claim: (extra = []) =>
        cli([
          'claim',
          '--url',
          emu.url,
          '--ca',
          emu.caPath,
          '--token-file',
          emu.tokenPath,
          '--rooms',
          emu.rooms[0],
          '--json',
          ...extra,
        ]),
      cli,
      emu,
      emulatorLog,
      sessions: claimId =>
        emu.records.connections.filter(c => c.clientId?.toLowerCase() === claimId.toLowerCase() && c.connack === 0)
          .length,
    }
    return await fn(rig)
  } catch (error) {
    if (agent) {
      const tail = agent
        .log()
        .split('\n')
        .filter(l => /ACLK|CLAIM|SSL/.test(l))
        .slice(-20)
      ;(error as Error).message +=
        `\n--- agent log (ACLK/CLAIM) ---\n${tail.join('\n')}\n--- emulator ---\n${emulatorLog.slice(-30).join('\n')}`
    }

    throw error
  } finally {
    await agent?.stop()
    await emu.close()
    rmSync(tmp, {force: true, recursive: true})
  }
}
