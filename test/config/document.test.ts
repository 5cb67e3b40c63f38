// The config model against netdata's parser rules (netdata-facts.md §3.3), by example and by property (fast-check).
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import * as fc from 'fast-check'

import {ConfigDocument} from '../../src/config/document.js'

// ---------------------------------------------------------------------------------------------------------------
// A small, independent reader of appconfig_load() (libnetdata/config/appconfig.c @ v1.37), written from the C:
//   fgets() lines (split at \n only); s = trim(line) with C isspace(); skip NULL or '#...'; '[...]' opens a section
//   (name not trimmed); outside a section → skip; no '=' → skip; name = trim(left), value = trim(right) or "";
//   empty name or name starting '#' → skip; a later line overwrites the earlier value.
const isspace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r'
function cTrim(s: string): null | string {
  let a = 0
  while (a < s.length && isspace(s[a])) a++
  let b = s.length
  while (b > a && isspace(s[b - 1])) b--
  return a === b ? null : s.slice(a, b)
}

function referenceRead(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>()
  let section: null | string = null
  for (const line of text.split('\n')) {
    const s = cTrim(line)
    if (s === null || s[0] === '#') continue
    if (s[0] === '[' && s.at(-1) === ']' && s.length >= 2) {
      section = s.slice(1, -1)
      if (!out.has(section)) out.set(section, new Map())
      continue
    }

    if (section === null) continue
    const eq = s.indexOf('=')
    if (eq === -1) continue
    const name = cTrim(s.slice(0, eq))
    const value = cTrim(s.slice(eq + 1)) ?? ''
    if (name === null || name[0] === '#') continue
    out.get(section)!.set(name, value)
  }

  return out
}

function modelRead(doc: ConfigDocument): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>()
  for (const l of doc.lines) if (l.kind === 'section') out.set(l.section!, out.get(l.section!) ?? new Map())
  for (const [s, keys] of doc.settings()) for (const [k, v] of keys) out.get(s)!.set(k, v.value)
  return out
}

const asObject = (m: Map<string, Map<string, string>>) =>
  Object.fromEntries([...m].map(([s, keys]) => [s, Object.fromEntries(keys)]))

// ---------------------------------------------------------------------------------------------------------------
// Generators: arbitrary text, and text that looks like netdata config (so that sections and entries are frequent).
const anyText = fc.oneof(
  fc.string({maxLength: 300, unit: 'binary'}),
  fc.string({
    maxLength: 300,
    unit: fc.constantFrom('\n', '\r', '\r\n', '\t', ' ', '[', ']', '=', '#', ';', 'a', 'é', '😀', '\v', '\f', '\u00A0'),
  }),
)
const nameChar = fc.constantFrom('a', 'b', 'c', ' ', '.', ':', '-', '_', 'é', 'Z', '1')
// a small pool makes edits hit existing sections, keys and commented defaults often
const POOL = ['cloud', 'aclk implementation', 'x.y:z']
const name = fc.oneof(
  fc.constantFrom(...POOL),
  fc.constantFrom(...POOL),
  fc.string({maxLength: 8, minLength: 1, unit: nameChar}),
)
const ws = fc.string({maxLength: 3, unit: fc.constantFrom(' ', '\t', '\v', '\f')})
const eol = fc.constantFrom('\n', '\r\n', '')
const configLine = fc.oneof(
  fc.tuple(ws, name, ws).map(([a, n, b]) => `${a}[${n}]${b}`),
  fc
    .tuple(
      ws,
      name,
      ws,
      ws,
      fc.string({maxLength: 10, unit: fc.constantFrom('x', 'y', '=', ';', '#', ' ', 'é', '[', ']')}),
      ws,
    )
    .map(([a, k, b, c, v, d]) => `${a}${k}${b}=${c}${v}${d}`),
  fc.tuple(ws, name, fc.string({maxLength: 6, unit: nameChar})).map(([a, k, v]) => `${a}# ${k} = ${v}`),
  fc.constantFrom(
    '',
    '   ',
    '#| >>> [cloud].proxy <<<',
    "\t# option 'x' is not used.",
    'no equals here',
    '= orphan value',
    '[',
    ']',
    '[]',
    '\u00A0[x]',
  ),
)
const configText = fc
  .tuple(fc.array(fc.tuple(configLine, eol), {maxLength: 30, size: 'large'}), fc.boolean())
  .map(([lines, final]) => {
    let text = ''
    for (const [i, [line, e]] of lines.entries())
      text += line + (i === lines.length - 1 ? (final ? e || '\n' : '') : e || '\n')
    return text
  })

// a key/value netdata reads back as written
const writableKey = fc.oneof(
  fc.constantFrom(...POOL),
  fc
    .string({maxLength: 10, minLength: 1, unit: nameChar})
    .filter(k => cTrim(k) === k && !k.startsWith('#') && !k.startsWith('[')),
)
const writableValue = fc
  .string({maxLength: 10, unit: fc.constantFrom('x', 'y', '=', ';', '#', ' ', 'é', '[', ']', '1')})
  .filter(v => v === '' || cTrim(v) === v)
const writableSection = fc.oneof(fc.constantFrom(...POOL), fc.string({maxLength: 8, minLength: 1, unit: nameChar}))

// lines of a text, ignoring the line terminators (a new last line adds one to its predecessor)
function linesOf(t: string): string[] {
  const parts = t.split('\n').map(l => l.replace(/\r$/, ''))
  if (parts.at(-1) === '') parts.pop()
  return parts
}

describe('ConfigDocument', () => {
  // --- properties
  test('render(parse(x)) === x for any text (CRLF, lone CR, no final newline, tabs, unicode, lone surrogates)', () => {
    fc.assert(
      fc.property(anyText, x => ConfigDocument.parse(x).render() === x),
      {numRuns: 3000},
    )
    fc.assert(
      fc.property(configText, x => ConfigDocument.parse(x).render() === x),
      {numRuns: 2000},
    )
  })

  test("reading agrees with an independent reader of netdata's rules", () => {
    fc.assert(
      fc.property(configText, x => {
        assert.deepEqual(asObject(modelRead(ConfigDocument.parse(x))), asObject(referenceRead(x)))
      }),
      {numRuns: 3000},
    )
    fc.assert(
      fc.property(anyText, x => {
        assert.deepEqual(asObject(modelRead(ConfigDocument.parse(x))), asObject(referenceRead(x)))
      }),
      {numRuns: 2000},
    )
  })

  test('set() changes exactly the intended line (or adds one line, or appends the section); all else is kept', () => {
    let replaced = 0
    let added = 0
    let appended = 0
    fc.assert(
      fc.property(configText, writableSection, writableKey, writableValue, (x, section, key, value) => {
        const doc = ConfigDocument.parse(x)
        const changed = doc.set(section, key, value)
        const after = doc.render()
        const ref = referenceRead(after)
        // netdata reads back the value, and every other setting is unchanged
        assert.equal(ref.get(section)?.get(key), value)
        const before = referenceRead(x)
        before.get(section)?.delete(key)
        ref.get(section)!.delete(key)
        if (!before.has(section)) before.set(section, new Map())
        assert.deepEqual(asObject(ref), asObject(before))
        if (!changed) {
          assert.equal(after, x)
          return
        }

        const a = linesOf(x)
        const b = linesOf(after)
        if (b.length === a.length) {
          assert.equal(b.filter((l, i) => l !== a[i]).length, 1, 'exactly one line differs')
          replaced++
        } else if (
          b.length === a.length + 1 &&
          b.some((_, i) => [...b.slice(0, i), ...b.slice(i + 1)].join('\n') === a.join('\n'))
        ) {
          added++
        } else {
          // the section is appended at the end: [blank line], header, entry (plus the final empty piece of a trailing
          // \n)
          assert.deepEqual(b.slice(0, a.length), a, 'the old text is a prefix')
          const tail = b.slice(a.length).filter(l => l !== '')
          assert.deepEqual(tail, [`[${section}]`, tail[1]])
          assert.match(tail[1], new RegExp(`^[ \\t]*${key.replace(/[.*+?^${}()|[\]\\]/g, String.raw`\$&`)} = `))
          appended++
        }
      }),
      {numRuns: 3000},
    )
    assert.ok(
      replaced > 100 && added > 100 && appended > 100,
      `all three kinds of edit were exercised (${replaced}/${added}/${appended})`,
    )
  })

  test('set() is idempotent: the second set of the same value changes nothing', () => {
    fc.assert(
      fc.property(configText, writableSection, writableKey, writableValue, (x, s, k, v) => {
        const doc = ConfigDocument.parse(x)
        doc.set(s, k, v)
        const once = doc.render()
        const again = ConfigDocument.parse(once)
        assert.equal(again.set(s, k, v), false)
        assert.equal(again.render(), once)
      }),
      {numRuns: 1500},
    )
  })

  test('the end-of-line style is kept: a CRLF file stays CRLF', () => {
    fc.assert(
      fc.property(
        fc.array(configLine, {maxLength: 10, minLength: 1}),
        writableSection,
        writableKey,
        writableValue,
        (lines, s, k, v) => {
          const x = lines.map(l => l + '\r\n').join('')
          const doc = ConfigDocument.parse(x)
          doc.set(s, k, v)
          const out = doc.render()
          assert.equal(out.replace(/\r\n/g, '').includes('\n'), false, JSON.stringify(out))
        },
      ),
      {numRuns: 1000},
    )
  })

  test('unset() removes exactly the entries of that key', () => {
    fc.assert(
      fc.property(configText, writableSection, writableKey, (x, s, k) => {
        const doc = ConfigDocument.parse(x)
        doc.unset(s, k)
        const ref = referenceRead(doc.render())
        assert.equal(ref.get(s)?.get(k), undefined)
        const before = referenceRead(x)
        before.get(s)?.delete(k)
        assert.deepEqual(asObject(ref), asObject(before))
      }),
      {numRuns: 1500},
    )
  })

  // --- netdata's rules by example
  const text = [
    '# netdata configuration',
    'ignored = outside any section',
    '[global]',
    '\trun as user = netdata',
    '\tweb files owner = root ; not a comment',
    '[cloud]',
    '\t# aclk implementation = ng',
    '\tproxy = http://a:b@proxy:3128 # no inline comments',
    '    aclk implementation   =   legacy   ',
    '\taclk implementation = ng',
    'no equals sign here',
    '[ spaced ]',
    'k=v=w',
    '',
  ].join('\n')
  const doc = ConfigDocument.parse(text)

  test('; and # after a value are part of the value, a later duplicate wins, names keep their spaces', () => {
    assert.deepEqual(doc.get('global', 'web files owner'), {line: 5, value: 'root ; not a comment'})
    assert.equal(doc.get('cloud', 'proxy')?.value, 'http://a:b@proxy:3128 # no inline comments')
    assert.deepEqual(doc.get('cloud', 'aclk implementation'), {line: 10, value: 'ng'})
    assert.equal(doc.get(' spaced ', 'k')?.value, 'v=w')
    assert.equal(doc.get('spaced', 'k'), undefined)
    assert.equal(doc.get('global', 'ignored'), undefined)
  })

  test('a commented default is not a setting, and setting it replaces that line in place', () => {
    const d = ConfigDocument.parse('[cloud]\n\t# aclk implementation = ng\n\t# proxy = env\n')
    assert.equal(d.get('cloud', 'aclk implementation'), undefined)
    assert.equal(d.set('cloud', 'aclk implementation', 'legacy'), true)
    assert.equal(d.render(), '[cloud]\n\taclk implementation = legacy\n\t# proxy = env\n')
  })

  test('editing a value keeps indentation, spacing and CRLF', () => {
    const d = ConfigDocument.parse('[global]\r\n    enabled   =   no   \r\n')
    d.set('global', 'enabled', 'yes')
    assert.equal(d.render(), '[global]\r\n    enabled   =   yes   \r\n')
  })

  test('adding to a file without a final newline, and appending a section to an empty file', () => {
    const d = ConfigDocument.parse('[global]\n  enabled = no')
    d.set('global', 'cloud base url', 'https://app.netdata.cloud')
    assert.equal(d.render(), '[global]\n  enabled = no\n  cloud base url = https://app.netdata.cloud')
    const e = ConfigDocument.empty()
    e.set('global', 'enabled', 'yes')
    assert.equal(e.render(), '[global]\n\tenabled = yes\n')
    const f = ConfigDocument.parse('[global]\n\trun as user = netdata\n')
    f.set('cloud', 'aclk implementation', 'ng')
    assert.equal(f.render(), '[global]\n\trun as user = netdata\n\n[cloud]\n\taclk implementation = ng\n')
  })

  test('refuses values netdata would not read back', () => {
    const d = ConfigDocument.empty()
    for (const [k, v] of [
      ['a\nb', 'x'],
      ['a', 'x\ny'],
      [' a', 'x'],
      ['a', ' x'],
      ['#a', 'x'],
      ['a=b', 'x'],
      ['[a', 'b]'],
      ['', 'x'],
    ]) {
      assert.throws(() => d.set('global', k, v), RangeError, `${JSON.stringify(k)} = ${JSON.stringify(v)}`)
    }

    assert.throws(() => d.set('a\nb', 'k', 'v'), RangeError)
    d.set('a]b', 'k', 'v') // netdata reads `[a]b]` as section `a]b`
    assert.equal(ConfigDocument.parse(d.render()).get('a]b', 'k')?.value, 'v')
  })
})
