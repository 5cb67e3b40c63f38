// Trust, measured on the real agent: its claim and its link read different CA stores. An agent WITHOUT
// SSL_CERT_FILE (only the system store): `claim --ca` still claims (v1: we send the request; v2: the CA goes to
// cloud.d/trusted.pem, which the agent's own libcurl claim reads), but its ACLK does not trust the emulator;
// `link --ca` must say so instead of passing, and `status` must name TLS (it checks the chain with the agent's trust).
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {EXIT} from '../../src/base/errors.js'
import {binariesOf} from './real-agent.js'
import {PREFIX, type Rig, withRig} from './shared.js'

const BIN = binariesOf(PREFIX)

/** link --ca (the emulator's CA): its tls step, where the agent's own trust is checked too */
async function linkCaTls(rig: Rig): Promise<{status: string; detail: string} | undefined> {
  const l = await rig.cli(['link', '--ca', rig.emu.caPath, '--json'])
  return l.json?.result?.steps?.find((s: {id: string}) => s.id === 'tls')
}

describe(`trust on the real agent ${BIN.version} (${PREFIX})`, () => {
  test('agent without SSL_CERT_FILE: claim --ca claims, the link fails on TLS, link --ca says the agent will not trust the chain', async () => {
    await withRig(
      async rig => {
        const c = await rig.claim()
        assert.equal(c.code, 0, `claim: ${c.stdout}${c.stderr}`)
        const view = await rig.agent.waitFor(v => v.claimed, 'claimed')
        assert.equal(view.online, false)
        // the agent tried /env and gave up on the certificate
        await rig.emu.records.waitFor('requests', () => true, 1).catch(() => {})
        const l = await rig.cli(['link', '--ca', rig.emu.caPath, '--json'])
        const tls = l.json?.result?.steps?.find((s: {id: string}) => s.id === 'tls')
        assert.equal(tls?.status, 'WARN', `link: ${l.stdout}`)
        assert.match(tls.detail, /the agent will not trust this chain: its ACLK verifies with the system store/)
        assert.match(tls.fix, /SSL_CERT_FILE/)
        // the agent's own view and status agree on the cause where the agent gives one (v2)
        const offline = BIN.v2 ? await rig.agent.waitFor(v => Boolean(v.reason), 'a reason') : view
        // status checks the chain with what the agent trusts (here the system store) on both eras: v1 gives no reason
        const s = await rig.cli(['status', '--json'])
        assert.equal(s.code, EXIT.tls, `${offline.reason} / ${s.json?.result?.verdict?.message}`)
        assert.equal(s.json?.result?.tlsTrust?.trusted, false, JSON.stringify(s.json?.result?.tlsTrust))
        assert.match(s.json?.result?.verdict?.message, /the agent will not trust this chain: .*the system store/)
      },
      {agentCa: 'none'},
    )
  })

  test('agent with SSL_CERT_FILE = the CA: link --ca finds it in the agent environment and passes TLS', async () => {
    await withRig(async rig => {
      const c = await rig.claim()
      assert.equal(c.code, 0, c.stdout)
      await rig.agent.waitFor(v => v.online, 'online')
      const tls = await linkCaTls(rig)
      assert.equal(tls?.status, 'PASS', JSON.stringify(tls))
    })
  })
  test('agent with only SSL_CERT_DIR (the CA as <hash>.0, no SSL_CERT_FILE): it links, and link --ca sees the agent trusts the chain', async () => {
    await withRig(
      async rig => {
        const c = await rig.claim()
        assert.equal(c.code, 0, c.stdout)
        // the agent's OpenSSL reads the hashed directory: it verifies the emulator's chain and comes online
        await rig.agent.waitFor(v => v.online, 'online')
        const tls = await linkCaTls(rig)
        // without SSL_CERT_DIR read, this is WARN "the agent will not trust this chain" (the system store lacks it)
        assert.equal(tls?.status, 'PASS', JSON.stringify(tls))
      },
      {agentCa: 'dir'},
    )
  })
  test('agent with SSL_CERT_DIR holding only an unrelated CA: status reads the dir from its environment and says tls (23)', async () => {
    await withRig(
      async rig => {
        const c = await rig.claim()
        assert.equal(c.code, 0, `claim: ${c.stdout}${c.stderr}`)
        await rig.agent.waitFor(v => v.claimed, 'claimed')
        const s = await rig.cli(['status', '--json'])
        const t = s.json?.result?.tlsTrust
        assert.equal(s.code, EXIT.tls, `${s.json?.result?.verdict?.message}`)
        assert.equal(t?.trusted, false, JSON.stringify(t))
        assert.match(t?.trust ?? '', /\+ SSL_CERT_DIR=\/tmp\/nc-rig\.\w+\/certs \(1 certificate\)$/)
      },
      {agentCa: 'dir-other'},
    )
  })
})
