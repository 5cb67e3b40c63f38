// `npm run test:agent` never skips silently: without NETDATA_CLOUD_TEST_AGENTS, or with a prefix whose build has no
// Cloud support (Debian's netdata 1.37.1, built --disable-cloud, at /), it exits 2 with one line saying what to set.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {join} from 'node:path'
import {test} from 'node:test'

import {ROOT} from '../helpers/cli.js'

function runner(env: NodeJS.ProcessEnv) {
  const clean = {...process.env}
  delete clean.NETDATA_CLOUD_TEST_AGENTS
  delete clean.NETDATA_CLOUD_TEST_AGENT
  return spawnSync(process.execPath, [join(ROOT, 'test/agent-tier/run.mjs')], {
    encoding: 'utf8',
    env: {...clean, ...env},
    timeout: 60_000,
  })
}

test('test:agent without NETDATA_CLOUD_TEST_AGENTS: exit 2, one line naming the variable', () => {
  const r = runner({})
  assert.equal(r.status, 2)
  assert.equal(r.stdout, '')
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, /NETDATA_CLOUD_TEST_AGENTS is not set: set NETDATA_CLOUD_TEST_AGENTS=PREFIX/)
})

test("test:agent with a --disable-cloud build (Debian's netdata at /): exit 2, one line saying why", () => {
  const r = runner({NETDATA_CLOUD_TEST_AGENTS: '/'})
  assert.equal(r.status, 2)
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, /\/usr\/sbin\/netdata has no Cloud support \(built with --disable-cloud\)/)
})

test('test:agent with a prefix that holds no agent: exit 2, one line', () => {
  const r = runner({NETDATA_CLOUD_TEST_AGENTS: '/nonexistent-prefix'})
  assert.equal(r.status, 2)
  assert.match(r.stderr, /\/nonexistent-prefix: no netdata binary/)
})
