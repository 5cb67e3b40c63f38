// Text for `status --endpoints`: the egress allow-list as a table a firewall ticket can take.

import type {EndpointsReport} from '../services/endpoints.js'
import {colors, table} from './output.js'

export function renderEndpoints(r: EndpointsReport): string {
  const c = colors()
  let out = `Egress allow-list for this node (${r.version ?? 'version unknown'}, ${r.era}); cloud URL ${r.url.value} [${r.url.source}]`
  out += r.proxy ? `, proxy ${r.proxy.value} [${r.proxy.source}]\n\n` : ', no proxy\n\n'
  out += table(
    ['HOST:PORT', 'PROTOCOL', 'REACHED BY', 'ADDRESSES NOW', 'WHY', 'FROM'],
    r.endpoints.map(e => [
      `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`,
      e.protocol,
      e.reachedBy,
      e.addresses.length > 0 ? e.addresses.join(' ') : c.yellow(`none (${e.lookupError ?? 'no answer'})`),
      e.why,
      e.source,
    ]),
  )
  const env =
    r.env.state === 'ok'
      ? c.green(r.env.detail)
      : r.env.state === 'failed'
        ? c.red(`${r.env.detail} — the auth and MQTT endpoints are missing above`)
        : c.yellow(r.env.detail)
  out += `\n/env: ${env}\n`
  out += 'Addresses can change (they come from DNS now): allow the names where the firewall can, not the addresses.\n'
  return out
}
