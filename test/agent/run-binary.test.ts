import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {runBinary} from '../../src/agent/run-binary.js'

describe('runBinary', () => {
  test('output and exit code of a real binary', async () => {
    const r = await runBinary('/usr/sbin/netdata', ['-v'])
    assert.equal(r.exitCode, 0)
    assert.equal(r.stdout, 'netdata v1.37.1\n')
    assert.equal(r.timedOut, false)
    assert.equal(r.failed, undefined)
  })

  test('a non-zero exit and stderr are reported, not thrown', async () => {
    const r = await runBinary('/usr/sbin/netdata', ['-W', 'version'])
    assert.equal(r.exitCode, 1)
    assert.match(r.stderr, /Unknown -W parameter 'version'/)
  })

  test('a binary that cannot start: failed names the errno', async () => {
    const r = await runBinary('/nonexistent/netdata', ['-v'])
    assert.equal(r.failed, 'ENOENT')
    assert.equal(r.exitCode, undefined)
  })

  test('a hung binary is killed at the timeout', async () => {
    const started = Date.now()
    const r = await runBinary('/bin/sleep', ['30'], {timeoutMs: 300})
    assert.equal(r.timedOut, true)
    assert.ok(Date.now() - started < 5000)
  })

  test('stdin input reaches the child (never argv: how secrets would travel)', async () => {
    const r = await runBinary('/bin/cat', [], {input: 'from stdin'})
    assert.equal(r.stdout, 'from stdin')
  })
})
