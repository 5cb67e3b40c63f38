// Issue 14 item 10: labels that said what was not so. Era A is "v1.29 and older" (a v1.22.1 buildinfo is not
// "v1.26–v1.29"); a v1.29 agent is ACLK Legacy, not "v1.30 NG/legacy", and its /env step is SKIP (not asked), not a
// PASS of something that did not run; "1 round trip", not "1 round trips".
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {test} from 'node:test'

import {parseBuildinfo} from '../../src/agent/buildinfo.js'
import {startEmulator} from '../../src/emulator/index.js'
import {linkEmulator} from '../../src/services/link.js'
import {renderBuildinfo} from '../../src/ui/buildinfo.js'

test('a v1.22.1 era-A buildinfo is labelled "A (v1.29 and older)", never v1.26–v1.29', () => {
  const text = readFileSync(new URL('../fixtures/buildinfo/A-v1.29.3-cloud.txt', import.meta.url), 'utf8').replace(
    /v1\.29\.3/g,
    'v1.22.1',
  )
  const b = parseBuildinfo(text, 'v1.22.1.txt')
  assert.equal(b.era, 'A')
  const out = renderBuildinfo({...b, json: 'not-run', source: 'v1.22.1.txt'})
  assert.match(out, /Format era +A \(v1\.29 and older\)/)
  assert.doesNotMatch(out, /v1\.26/)
})

test('link --emulator --as-version 1.29.0: ACLK Legacy, env SKIP (not asked), the walk still passes', async () => {
  const r = await linkEmulator(startEmulator, {asVersion: '1.29.0', deadlineMs: 20_000, timeoutMs: 3000})
  const step = (id: string) => r.steps.find(s => s.id === id)!
  assert.match(step('settings').detail, /agent v1\.29\.0 \(--as-version\) → ACLK Legacy \(before v1\.30\): no \/env/)
  assert.doesNotMatch(step('settings').detail, /v1\.30 NG/)
  assert.equal(step('env').status, 'SKIP')
  assert.match(step('env').detail, /^not asked: v1\.29\.0 has no \/env/)
  assert.equal(step('challenge').status, 'PASS')
  assert.equal(step('mqtt').status, 'PASS')
  assert.equal(r.exitCode, 0)
})

test('one round trip is "1 round trip"', async () => {
  const r = await linkEmulator(startEmulator, {deadlineMs: 20_000, only: ['tcp'], timeoutMs: 3000})
  assert.equal(r.roundTrips, 1)
  assert.match(r.summary, /; 1 round trip, 0 TLS connections$/)
})
