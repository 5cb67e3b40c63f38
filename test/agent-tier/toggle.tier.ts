// disable + restart: the real agent does not connect (nothing reaches the emulator) and status says disabled;
// enable + restart: it links again.
import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test} from 'node:test'
import {setTimeout as sleep} from 'node:timers/promises'

import {EXIT} from '../../src/base/errors.js'
import {binariesOf} from './real-agent.js'
import {PREFIX, withRig} from './shared.js'

const BIN = binariesOf(PREFIX)

describe(`disable and enable on the real agent ${BIN.version} (${PREFIX})`, () => {
  if (BIN.v2)
    test('v2: disable is refused (unsupported), and rightly: v2.11 links with cloud.conf enabled = no', async () => {
      await withRig(async rig => {
        const {agent} = rig
        const c = await rig.claim()
        assert.equal(c.code, 0, c.stdout)
        await agent.waitFor(v => v.online, 'online')
        const conf = join(agent.cloudDir, 'cloud.conf')
        const before = readFileSync(conf, 'utf8')
        const d = await rig.cli(['disable', '--json'])
        assert.equal(d.code, EXIT.unsupported, d.stdout)
        assert.match(d.json.error.fix, /unclaim/)
        assert.equal(readFileSync(conf, 'utf8'), before, 'nothing written')
        // what a user would try by hand: the agent does not read the key
        writeFileSync(conf, before.replace('[global]', '[global]\n    enabled = no'))
        await agent.restart()
        await agent.waitFor(v => v.online, 'online with enabled = no (v2 ignores it)')
      })
    })

  if (!BIN.v2)
    test('disable + restart: nothing reaches the emulator, status exits cloudDisabled; enable + restart: linked again', async () => {
      await withRig(async rig => {
        const {agent, emu} = rig
        const c = await rig.claim()
        assert.equal(c.code, 0, c.stdout)
        await agent.waitFor(v => v.online, 'online')

        const d = await rig.cli(['disable', '--json'])
        assert.equal(d.code, 0, `disable: ${d.stdout}${d.stderr}`)
        assert.match(readFileSync(join(agent.cloudDir, 'cloud.conf'), 'utf8'), /enabled\s*=\s*no/)
        await agent.restart()
        const requests = emu.records.requests.length
        const connections = emu.records.connections.length
        // an enabled agent asks /env within a second of starting: give it several
        await sleep(6000)
        const view = await agent.view()
        assert.equal(view.online, false, JSON.stringify(view))
        assert.deepEqual(
          emu.records.requests.slice(requests).map(r => r.path),
          [],
          'no request reached the emulator after the restart',
        )
        assert.equal(emu.records.connections.length, connections, 'no MQTT connection')
        const s = await rig.cli(['status', '--json'])
        assert.equal(s.code, EXIT.cloudDisabled, s.stdout)

        const e = await rig.cli(['enable', '--json'])
        assert.equal(e.code, 0, `enable: ${e.stdout}${e.stderr}`)
        await agent.restart()
        await agent.waitFor(v => v.online, 'online again after enable + restart')
        const s2 = await rig.cli(['status', '--json'])
        assert.equal(s2.code, EXIT.ok, s2.stdout)
      })
    })
})
