// systemLookup / childProcessLookup (src/cloud/dns.ts): getaddrinfo in a child process, bounded by its timeout.
// Only names that never leave the machine (localhost, from /etc/hosts); the dns step against real DNS answers is in
// test/integration/link-dns.test.ts.
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {childProcessLookup, systemLookup} from '../../src/base/lookup.js'

test('systemLookup answers from /etc/hosts through getaddrinfo in a child', async () => {
  const r = await systemLookup('localhost', 10_000)
  assert.equal(r.error, undefined)
  assert.ok(r.addresses.includes('127.0.0.1') || r.addresses.includes('::1'), JSON.stringify(r))
})

test('systemLookup: past its timeout the child is killed and the answer is ETIMEOUT; on abort ECANCELLED', async () => {
  const started = Date.now()
  assert.deepEqual(await systemLookup('localhost', 1), {addresses: [], error: 'ETIMEOUT'})
  assert.ok(Date.now() - started < 2000)
  const controller = new AbortController()
  const pending = systemLookup('localhost', 10_000, controller.signal)
  controller.abort()
  assert.deepEqual(await pending, {addresses: [], error: 'ECANCELLED'})
})

test("childProcessLookup speaks net.connect's lookup: one address, all of them, a family filter, an error with a code", async () => {
  const lookup = childProcessLookup(10_000)
  const call = (host: string, options: {all?: boolean; family?: number | string}) =>
    new Promise<any[]>(resolve => {
      lookup(host, options, (...args) => resolve(args))
    })
  assert.deepEqual(await call('localhost', {}), [null, '127.0.0.1', 4])
  assert.deepEqual(await call('localhost', {all: true}), [null, [{address: '127.0.0.1', family: 4}]])
  const [error] = await call('localhost', {family: 6})
  assert.equal(error.code, 'ENOTFOUND')
  assert.match(error.message, /^getaddrinfo ENOTFOUND localhost$/)
  const [timeout] = await new Promise<any[]>(resolve => {
    childProcessLookup(1)('ip6-localhost', {}, (...args) => resolve(args))
  })
  assert.equal(timeout.code, 'ETIMEOUT')
})
