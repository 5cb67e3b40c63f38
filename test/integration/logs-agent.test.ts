// `logs` live: the real Debian 1.37.1 agent writes its error.log where its netdata.conf [logs] error says; `logs`
// finds that file from the same netdata.conf and explains the agent's own "This agent doesn't have ACLK." line.
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {test} from 'node:test'

import {withAgent} from '../helpers/agent.js'
import {runCliAsync} from '../helpers/cli.js'

test('logs on the running Debian agent: error.log found via [logs] error, its no-ACLK line explained', async () => {
  await withAgent(async agent => {
    const flags = ['--config-dir', join(agent.dir, 'etc'), '--lib-dir', join(agent.dir, 'lib'), '--json']
    let r = await runCliAsync(['logs', ...flags])
    for (let i = 0; i < 20 && !(r.json?.result?.groups ?? []).some((g: any) => g.message.includes('ACLK')); i++) {
      await sleep(250)
      r = await runCliAsync(['logs', ...flags])
    }

    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(r.json.result.source.path, join(agent.dir, 'log/error.log'))
    assert.match(r.json.result.source.why, /^netdata\.conf:\d+ \[logs\] error$/)
    const g = r.json.result.groups.find((x: any) => x.message === "This agent doesn't have ACLK.")
    assert.ok(g, JSON.stringify(r.json.result.groups.map((x: any) => x.message)))
    assert.equal(g.causes[0].id, 'no-aclk')
    assert.match(g.first, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/)
  })
})
