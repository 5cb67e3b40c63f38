// The one parser of netdata's proxy syntax (src/cloud/proxy.ts parseProxySpec), and the two callers built on it: the
// claim's parseProxy (refuses bad input with badInput) and the link's settings (a problem its step reports).
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {UserError} from '../../src/base/errors.js'
import {redactSecrets} from '../../src/base/secrets.js'
import {parseProxy, parseProxySpec, specOf} from '../../src/cloud/proxy.js'

describe('parseProxySpec', () => {
  test('none and empty are direct', () => {
    for (const v of [undefined, '', '  ', 'none']) assert.equal(parseProxySpec(v).kind, 'none')
  })

  test("netdata's default ports: http 8080, socks5 and socks5h 1080; IPv6 literals unbracketed", () => {
    assert.deepEqual(
      ['http://h', 'socks5://h', 'socks5h://h', 'HTTP://h:3128', 'http://[::1]:3128'].map(v => {
        const p = parseProxySpec(v)
        return `${p.kind} ${p.host} ${p.port}`
      }),
      ['http h 8080', 'socks5 h 1080', 'socks5h h 1080', 'http h 3128', 'http ::1 3128'],
    )
  })

  test('credentials are percent-decoded, masked in display, and registered as secrets at once', () => {
    const p = parseProxySpec('http://us%40er:pa%3Ass-Wq9z@h:3128')
    assert.equal(p.username, 'us@er')
    assert.equal(p.password, 'pa:ss-Wq9z')
    assert.equal(p.display, 'http://us%40er:****@h:3128')
    assert.doesNotMatch(redactSecrets('a pa:ss-Wq9z b pa%3Ass-Wq9z c'), /ss-Wq9z/)
    // a malformed escape is taken literally, as curl does
    assert.equal(parseProxySpec('socks5://u:50%zz@h').password, '50%zz')
  })

  test('https:// is unsupported; other schemes and non-URLs are invalid, each with why', () => {
    assert.equal(parseProxySpec('https://h:1').kind, 'https-unsupported')
    assert.deepEqual(
      ['ftp://h:1', 'h:3128', 'not a url', 'http://'].map(v => [parseProxySpec(v).kind, parseProxySpec(v).reason]),
      [
        ['invalid', 'scheme'],
        ['invalid', 'not-url'],
        ['invalid', 'not-url'],
        ['invalid', 'not-url'],
      ],
    )
  })
})

describe('the claim and the link read the same values the same way', () => {
  const values = [
    'none',
    'http://u:p@h:3128',
    'http://h',
    'socks5://h:1080',
    'socks5h://[::1]',
    'https://h:1',
    'ftp://h',
    'h:3128',
  ]
  for (const v of values)
    test(v, () => {
      const link = parseProxySpec(v)
      let claim
      try {
        claim = parseProxy(v)
      } catch (error) {
        assert.ok(error instanceof UserError && error.code === 'badInput', String(error))
        assert.ok(link.problem, `the claim refuses ${v}, so the link reports it (${link.kind})`)
        return
      }

      assert.equal(link.problem, undefined)
      assert.deepEqual({...specOf(claim), url: undefined}, {...link, url: undefined})
    })
})
