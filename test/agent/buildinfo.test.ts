import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {describe, test} from 'node:test'

import {parseBuildinfo, repairBuildinfoJson} from '../../src/agent/buildinfo.js'
import {UserError} from '../../src/base/errors.js'

const fixture = (name: string) => readFileSync(new URL(`../fixtures/buildinfo/${name}`, import.meta.url), 'utf8')

// file → version, era, cloud support, implementations (default first), install type
const TABLE: [string, null | string, string, string, string[], null | string, null | string][] = [
  ['A-v1.29.3-cloud.txt', 'v1.29.3', 'A', 'yes', ['legacy'], 'legacy', null],
  ['A-v1.28.0-disabled.txt', 'v1.28.0', 'A', 'no-by-user-request', [], null, null],
  ['B-v1.31.0-ng.txt', 'v1.31.0', 'B', 'yes', ['ng'], 'ng', null],
  ['B-v1.30.1-legacy.txt', 'v1.30.1', 'B', 'yes', ['legacy'], 'legacy', null],
  ['B-v1.31.0-nocloud.txt', 'v1.31.0', 'B', 'no-by-user-request', [], null, null],
  ['B-v1.31.0-ng.json', null, 'B', 'yes', ['ng'], 'ng', null],
  ['C-v1.32.1-both.txt', 'v1.32.1', 'C', 'yes', ['ng', 'legacy'], 'ng', null],
  ['C-v1.32.1-ng-only.txt', 'v1.32.1', 'C', 'yes', ['ng'], 'ng', null],
  ['C-v1.32.1-legacy-only.txt', 'v1.32.1', 'C', 'yes', ['legacy'], 'legacy', null],
  ['D-v1.36.1-static.txt', 'v1.36.1', 'D', 'yes', ['ng'], 'ng', 'kickstart-static'],
  ['D-v1.37.1-debian.txt', 'v1.37.1', 'D', 'no-by-user-request', [], null, 'unknown'],
  ['D-v1.37.1-debian.json', null, 'D', 'no-by-user-request', [], null, null],
  ['D-v1.40.0.txt', 'v1.40.0', 'D', 'yes', ['ng'], 'ng', 'binpkg-deb'],
  ['D-v1.40.0-invalid.json', null, 'D', 'yes', ['ng'], 'ng', null],
  ['E-v1.42.0.txt', 'v1.42.0', 'E', 'yes', ['ng'], 'ng', 'binpkg-deb'],
  ['E-v1.44.0-disabled.txt', 'v1.44.0', 'E', 'no-by-user-request', [], null, 'custom'],
  ['E-v1.47.0-unavailable.txt', 'v1.47.0', 'E', 'no', [], null, 'custom'],
  ['E-v1.45.0-unavailable.json', 'v1.45.0', 'E', 'no', [], null, 'custom'],
  ['v2-v2.11.0.txt', 'v2.11.0', 'v2', 'yes', ['ng'], 'ng', 'binpkg-deb'],
  ['v2-v2.11.0.json', 'v2.11.0', 'v2', 'yes', ['ng'], 'ng', 'binpkg-deb'],
]

describe('parseBuildinfo: every era', () => {
  for (const [file, version, era, support, impls, def, installType] of TABLE) {
    test(file, () => {
      const b = parseBuildinfo(fixture(file), file)
      assert.equal(b.version, version)
      assert.equal(b.era, era)
      assert.equal(b.cloud.support, support)
      assert.deepEqual(b.aclk.implementations, impls)
      assert.equal(b.aclk.default, def)
      assert.equal(b.aclk.switchable, impls.length === 2)
      assert.equal(b.installType, installType)
      // nothing in a well-formed output is left unrecognised (the JSON repair note aside)
      assert.deepEqual(
        b.unrecognised.filter(l => !l.startsWith('(note)')),
        [],
      )
    })
  }

  test('the real 1.37.1 output: --disable-cloud among the configure options', () => {
    const b = parseBuildinfo(fixture('D-v1.37.1-debian.txt'))
    assert.ok(b.configureOptions.includes('--disable-cloud'))
    assert.equal(b.cloud.raw, 'NO (by user request)')
    assert.equal(b.sections.Features.ACLK, 'NO')
  })

  test('trailing spaces and CRLF are tolerated', () => {
    const text = fixture('B-v1.31.0-ng.txt').replaceAll('\n', '  \r\n')
    const b = parseBuildinfo(text)
    assert.equal(b.cloud.support, 'yes')
    assert.deepEqual(b.aclk.implementations, ['ng'])
  })

  test('an unknown line is kept raw, never guessed', () => {
    const text = fixture('D-v1.40.0.txt').replace('Features:\n', 'Features:\nSOMETHING NEW HERE\n')
    const b = parseBuildinfo(text)
    assert.deepEqual(b.unrecognised, ['SOMETHING NEW HERE'])
    assert.equal(b.cloud.support, 'yes')
  })

  test('era E: v1.44 "NO (disabled)" vs v1.45–1.47 "NO (unavailable)" say different things', () => {
    assert.match(parseBuildinfo(fixture('E-v1.44.0-disabled.txt')).cloud.reason ?? '', /--disable-cloud/)
    assert.match(parseBuildinfo(fixture('E-v1.47.0-unavailable.txt')).cloud.reason ?? '', /v1\.45–1\.47/)
  })

  test('garbage is an unknown-format error naming the source and quoting the first line', () => {
    assert.throws(
      () => parseBuildinfo('hello world\nfoo: bar\n', 'ticket.txt'),
      (error: unknown) => {
        assert.ok(error instanceof UserError)
        assert.equal(error.code, 'badInput')
        assert.match(error.message, /^ticket\.txt: unknown buildinfo format \(first line: "hello world"\)/)
        return true
      },
    )
    assert.throws(() => parseBuildinfo('{"a": 1}', 'x.json'), /unknown buildinfo JSON/)
    assert.throws(() => parseBuildinfo('{"features": {', 'x.json'), /not valid buildinfo JSON/)
  })

  test('the JSON repair makes 1.37.1 and 1.40 output parse, and leaves valid JSON alone', () => {
    assert.throws(() => JSON.parse(fixture('D-v1.37.1-debian.json')))
    assert.equal(JSON.parse(repairBuildinfoJson(fixture('D-v1.37.1-debian.json'))).features['stream-compression'], true)
    assert.equal(JSON.parse(repairBuildinfoJson(fixture('D-v1.40.0-invalid.json'))).features['httpd-h2o'], true)
    const valid = fixture('v2-v2.11.0.json')
    assert.equal(repairBuildinfoJson(valid), valid)
  })
})
