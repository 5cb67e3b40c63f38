// Fast paths the bundle puts in front of three things @oclif/core does on every start or --help
// (scripts/bundle.mjs). Each returns exactly what the original returns, for the inputs it takes; anything else goes
// to the original. test/process/manifest.test.ts checks them against the originals.

// String#localeCompare initialises ICU's collator on first use (~8 ms). oclif sorts command ids with it on every start.
// For strings of [a-z0-9:-] the root collation orders like the code units once ':' (a topic separator, e.g. the
// plugin's autocomplete:script) is read as '.', which falls between them: '-' < ':' < digits < letters.
const PLAIN_ID = /^[\d:a-z-]*$/
const units = s => s.replaceAll(':', '.')
export const compareIds = (a, b) =>
  PLAIN_ID.test(a) && PLAIN_ID.test(b) ? (units(a) < units(b) ? -1 : units(a) > units(b) ? 1 : 0) : a.localeCompare(b)

// string-width runs emoji-regex over every word it measures. A printable ASCII / Latin-1 / dash-and-quote string (no ©,
// ®, soft hyphen or combining marks) is as wide as it is long.
const NARROW = /^[\u0020-\u007E\u00A0-\u00A8\u00AA-\u00AC\u00AF-\u02FF\u2010-\u2027]*$/
export const fastStringWidth = stringWidth => s => (typeof s === 'string' && NARROW.test(s) ? s.length : stringWidth(s))

// ejs.render compiles every string oclif shows in help (~1 ms each); a string without a tag renders as itself.
export const fastEjs = ejs => ({
  ...ejs,
  render: (template, data, options) =>
    typeof template === 'string' && !template.includes('<%') ? template : ejs.render(template, data, options),
})
