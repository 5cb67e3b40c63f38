// The parsers are linear in their input (issue 13): a `\s+$` regex made the config and buildinfo parsers quadratic in
// a long run of spaces (`x`, 100K spaces, `x`: 8.6 s; a 50 KB comment line made `enable` take 6.1 s). Properties with
// a time bound per byte, on inputs built around long whitespace runs; and the linear rewrites agree with the old ones.
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import * as fc from 'fast-check'

import {parseBuildinfo, repairBuildinfoJson} from '../../src/agent/buildinfo.js'
import {UserError} from '../../src/base/errors.js'
import {ConfigDocument} from '../../src/config/document.js'

/** 100 ms of slack (a shared 2-core machine) plus 1 µs per byte: the quadratic versions took ~1 ms per byte here */
const bound = (bytes: number) => 100 + bytes / 1000

const ms = (fn: () => unknown): number => {
  const t0 = performance.now()
  fn()
  return performance.now() - t0
}

// a line around a long run of one whitespace character, with a few characters of netdata's syntax at its ends
const piece = fc.constantFrom('x', '#', '=', '[', ']', 'a', ' ', '\t', '"', ':', '_')
const longLine = fc
  .tuple(
    fc.array(piece, {maxLength: 6}),
    fc.constantFrom(' ', '\t', '\v', '\f', '\r', '\u00A0'),
    fc.integer({max: 200_000, min: 20_000}),
    fc.array(piece, {maxLength: 6}),
  )
  .map(([head, space, n, tail]) => head.join('') + space.repeat(n) + tail.join(''))

describe('parsers are linear', () => {
  test('config: parse + set (a key that is missing, so commented defaults are searched) + render, within 1 µs/byte', () => {
    fc.assert(
      fc.property(longLine, fc.constantFrom('# ', '', 'proxy = ', '[global'), (line, prefix) => {
        const text = `[global]\n${prefix}${line}\n\tenabled = yes\n${prefix}${line}`
        const t = ms(() => {
          const doc = ConfigDocument.parse(text)
          doc.set('global', 'proxy', 'none')
          doc.set('global', 'enabled', 'no')
          doc.render()
        })
        assert.ok(t < bound(text.length), `${t.toFixed(0)} ms for ${text.length} bytes`)
      }),
      {numRuns: 25},
    )
  })

  test('buildinfo (text and JSON): parse within 1 µs/byte, any outcome a clean UserError', () => {
    const era = '    Netdata Version ____________________________________________ : v1.42.0\nFeatures:\n'
    fc.assert(
      fc.property(
        longLine,
        fc.constantFrom(era, 'Version: netdata v1.37.1\n', '{"features": {"cloud": true}, "x":'),
        (line, head) => {
          const text = head.startsWith('{') ? `${head} "${line}"\n}` : `${head}    ${line}\n${line}\n`
          const t = ms(() => {
            try {
              parseBuildinfo(text)
            } catch (error) {
              assert.ok(error instanceof UserError, String(error))
            }
          })
          assert.ok(t < bound(text.length), `${t.toFixed(0)} ms for ${text.length} bytes`)
        },
      ),
      {numRuns: 25},
    )
  })

  test('the JSON repair: 200K lines within 1 µs/byte (it searched the rest of the file for every line)', () => {
    const text = '{\n' + '"a": 1\n\n'.repeat(100_000) + '"b": 2\n}'
    const t = ms(() => repairBuildinfoJson(text))
    assert.ok(t < bound(text.length), `${t.toFixed(0)} ms for ${text.length} bytes`)
    assert.deepEqual(Object.keys(JSON.parse(repairBuildinfoJson('{\n"a": 1\n\n"b": [1]\n"c": "x"\n}'))), [
      'a',
      'b',
      'c',
    ])
  })

  test('the linear JSON repair gives what the old one gave', () => {
    const old = (text: string): string => {
      const lines = text.split('\n')
      for (let i = 0; i < lines.length - 1; i++) {
        const cur = lines[i].replace(/\s+$/, '')
        const next = lines.slice(i + 1).find(l => l.trim() !== '')
        if (next && /^\s*"/.test(next) && /["\d\]}el]$/.test(cur) && !/[{[,]$/.test(cur)) lines[i] = cur + ','
      }

      return lines.join('\n')
    }

    const text = fc
      .array(fc.constantFrom('"a": 1', '"b"', '  ', '', '}', '{', '[', 'true', 'null', '1 ', ' "x": "y" ', '\t'), {
        maxLength: 30,
      })
      .map(a => a.join('\n'))
    fc.assert(
      fc.property(text, t => {
        assert.equal(repairBuildinfoJson(t), old(t))
      }),
      {numRuns: 2000},
    )
  })
})
