import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import type {Outcome} from '../ui/output.js'

export default class Emulator extends BaseCommand {
  static description =
    'Run a Netdata Cloud stand-in on this machine (HTTPS claim API, /env, challenge/password, MQTT over WSS) with named faults, until Ctrl-C.'
  static examples = [
    '<%= config.bin %> emulator --port 8443',
    '<%= config.bin %> emulator --json --state /tmp/cloud --token my-test-token',
    '<%= config.bin %> emulator --fault slow:2000@env --fault connack-refused:135',
  ]
  static flags = {
    host: Flags.string({description: 'address to listen on', default: '127.0.0.1'}),
    port: Flags.integer({
      description: 'port to listen on (0 = a free one)',
      default: 0,
      min: 0,
      max: 65_535,
    }),
    state: Flags.string({
      description: 'directory for state.json (tokens, rooms, claimed nodes with their keys) and ca.pem',
    }),
    fault: Flags.string({
      description: 'a named fault, NAME[:NUMBER][@ENDPOINT], repeatable or comma-separated (the README lists them)',
      multiple: true,
    }),
    token: Flags.string({
      description:
        'a claim token to accept (repeatable); default: one random token. The first is written to a 0600 file (tokenFile)',
      multiple: true,
    }),
    room: Flags.string({description: 'a room id to accept (repeatable); default: one random UUID', multiple: true}),
    verbose: Flags.boolean({
      description: 'also log every MQTT packet (type, topic, size, reason) and every failed or abandoned TLS handshake',
    }),
    hostname: Flags.string({
      description:
        'a name for the certificate (repeatable); the first is used in URLs. Default localhost and 127.0.0.1',
      multiple: true,
    }),
  }

  async execute(): Promise<Outcome<unknown>> {
    const {flags} = await this.parse(Emulator)
    const ui = await import('../ui/emulator.js')
    const {startEmulator} = await import('../emulator/index.js')
    const emulator = await startEmulator({
      host: flags.host,
      port: flags.port,
      ...(flags.state ? {stateDir: flags.state} : {}),
      ...(flags.fault ? {faults: flags.fault} : {}),
      ...(flags.token ? {tokens: flags.token} : {}),
      ...(flags.room ? {rooms: flags.room} : {}),
      ...(flags.hostname ? {hostnames: flags.hostname} : {}),
      log: ui.printEmulatorLog,
      verbose: flags.verbose,
      onEvent: event => (this.jsonEnabled() ? ui.printEmulatorEventJson(event) : ui.printEmulatorEvent(event)),
    })
    const info = {
      url: emulator.url,
      host: emulator.host,
      port: emulator.port,
      caPath: emulator.caPath,
      tokenFile: emulator.tokenPath,
      rooms: emulator.rooms,
      faults: emulator.faults,
      ...(flags.state ? {stateDir: flags.state} : {}),
    }
    if (this.jsonEnabled()) {
      ui.printEmulatorJson(this.id ?? 'emulator', info)
      this.jsonPrinted = true
    } else ui.printEmulatorBanner(info)

    const signal = await new Promise<string>(resolve => {
      process.once('SIGINT', () => resolve('SIGINT'))
      process.once('SIGTERM', () => resolve('SIGTERM'))
    })
    ui.printEmulatorLog(`${signal}: stopping`)
    const nodes = emulator.nodes()
    await emulator.close()
    if (this.jsonEnabled()) ui.printEmulatorSummaryJson(nodes)
    else ui.printEmulatorSummary(nodes)
    return {exitCode: 0, render: () => '', result: {...info, nodes}}
  }
}
