// A lossless model of netdata's config dialect (netdata.conf, cloud.conf, claim.conf).
//
// Reading follows appconfig_load()/inicfg_load() exactly (netdata-facts.md §3.3):
//  - each line is trimmed (isspace, so CR too); empty lines and lines starting with '#' are comments;
//  - a trimmed line that starts with '[' and ends with ']' opens a section; the name between is NOT trimmed;
//  - `name = value` splits at the first '=', both sides trimmed; there are no inline comments and ';' is text;
//  - a line outside every section, or without '=', or with an empty name, is ignored;
//  - a repeated key: the later line wins; repeated sections merge.
// Every byte is kept: render(parse(x)) === x for any x. Edits change exactly one line, or add one.

export type LineKind = 'blank' | 'comment' | 'section' | 'entry' | 'ignored'

export interface ConfigLine {
  /** the line's text without its end-of-line */
  text: string
  /** '\n', '\r\n' or '' (last line without a final newline) */
  eol: string
  kind: LineKind
  /** section this line belongs to (for a section header: its own name); undefined outside any section */
  section?: string
  key?: string
  value?: string
}

export interface Setting {
  value: string
  /** 1-based line number */
  line: number
}

// netdata's trim() uses isspace(): space, \t, \n, \v, \f, \r. Loops, not a `\s+$` regex: a regex anchored at the
// end is retried at every start position, quadratic in a long run of spaces (issue 13: 8.6 s for 100K spaces).
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13)
function trimEnd(s: string, space = isSpace): string {
  let end = s.length
  while (end > 0 && space(s.codePointAt(end - 1) ?? -1)) end--
  return end === s.length ? s : s.slice(0, end)
}

function trim(s: string): string {
  let start = 0
  while (start < s.length && isSpace(s.codePointAt(start) ?? -1)) start++
  return trimEnd(start === 0 ? s : s.slice(start))
}

/** What `/^#\s*([^=#|][^=]*?)\s*=/` captured from a trimmed comment line (the key of `# key = value`), linearly. */
function commentedKey(t: string): string | undefined {
  if (!t.startsWith('#')) return undefined
  const eq = t.indexOf('=')
  if (eq === -1) return undefined
  const before = t.slice(1, eq)
  const key = before.trim() // JS trim and \s are the same set
  if (key === '' || key[0] === '#' || key[0] === '|') return undefined
  return key
}

export class ConfigDocument {
  readonly lines: ConfigLine[]

  private constructor(lines: ConfigLine[]) {
    this.lines = lines
  }

  static parse(text: string): ConfigDocument {
    const lines: ConfigLine[] = []
    let section: string | undefined
    let start = 0
    while (start < text.length) {
      const nl = text.indexOf('\n', start)
      const end = nl === -1 ? text.length : nl
      const hasCr = nl !== -1 && end > start && text[end - 1] === '\r'
      const body = text.slice(start, hasCr ? end - 1 : end)
      const eol = nl === -1 ? '' : hasCr ? '\r\n' : '\n'
      const line = classify(body, section)
      section = line.kind === 'section' ? line.section : section
      lines.push({...line, eol, text: body})
      start = nl === -1 ? text.length : nl + 1
    }

    return new ConfigDocument(lines)
  }

  /** A new, empty document. */
  static empty(): ConfigDocument {
    return new ConfigDocument([])
  }

  render(): string {
    let out = ''
    for (const line of this.lines) out += line.text + line.eol
    return out
  }

  /** The effective value of section/key (the last occurrence wins), or undefined when not set. */
  get(section: string, key: string): Setting | undefined {
    const index = this.findEntry(section, key)
    if (index === -1) return undefined
    return {line: index + 1, value: this.lines[index].value ?? ''}
  }

  hasSection(section: string): boolean {
    return this.lines.some(l => l.kind === 'section' && l.section === section)
  }

  /** All effective settings, section → key → setting. */
  settings(): Map<string, Map<string, Setting>> {
    const out = new Map<string, Map<string, Setting>>()
    for (const [i, line] of this.lines.entries()) {
      if (line.kind !== 'entry') continue
      const section = line.section as string
      if (!out.has(section)) out.set(section, new Map())
      out.get(section)!.set(line.key as string, {line: i + 1, value: line.value ?? ''})
    }

    return out
  }

  /**
   * Set section/key = value. Returns false when the value is already in effect (nothing changed).
   * Exactly one line changes: the effective entry's value, or a commented default `# key = …` in that
   * section becomes the setting, or one line is added at the end of the section, or the section is appended.
   */
  set(section: string, key: string, value: string): boolean {
    assertWritable(section, key, value)
    const index = this.findEntry(section, key)
    if (index !== -1) {
      const line = this.lines[index]
      if (line.value === value) return false
      this.lines[index] = {...line, text: replaceValue(line.text, value), value}
      return true
    }

    const entry = (indent: string): ConfigLine => ({
      eol: '',
      kind: 'entry',
      key,
      section,
      text: `${indent}${key} = ${value}`,
      value,
    })
    const commented = this.findCommentedDefault(section, key)
    if (commented !== -1) {
      const old = this.lines[commented]
      const indent = /^[ \t]*/.exec(old.text)![0]
      this.lines[commented] = {...entry(indent), eol: old.eol}
      return true
    }

    const header = this.lastSectionHeader(section)
    if (header === -1) {
      this.appendSection(section, entry(this.indent()))
      return true
    }

    const at = this.endOfSection(header)
    this.insertAfter(at, entry(this.indent(section)))
    return true
  }

  /** Remove every entry of section/key (comments and other lines stay). Returns false if there was none. */
  unset(section: string, key: string): boolean {
    const kept = this.lines.filter(l => !(l.kind === 'entry' && l.section === section && l.key === key))
    if (kept.length === this.lines.length) return false
    this.lines.splice(0, this.lines.length, ...kept)
    return true
  }

  /** The end-of-line the file uses (CRLF when its first line ends with CRLF). */
  private eol(): string {
    const first = this.lines.find(l => l.eol !== '')
    return first?.eol ?? '\n'
  }

  /** Indentation of entries in this section (else in the file), tab by default like netdata's generator. */
  private indent(section?: string): string {
    const entries = this.lines.filter(l => l.kind === 'entry' && (section === undefined || l.section === section))
    const sample = entries.at(-1) ?? this.lines.find(l => l.kind === 'entry')
    return sample ? /^[ \t]*/.exec(sample.text)![0] : '\t'
  }

  private findEntry(section: string, key: string): number {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const l = this.lines[i]
      if (l.kind === 'entry' && l.section === section && l.key === key) return i
    }

    return -1
  }

  private findCommentedDefault(section: string, key: string): number {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const l = this.lines[i]
      if (l.kind !== 'comment' || l.section !== section) continue
      if (commentedKey(trim(l.text)) === key) return i
    }

    return -1
  }

  private lastSectionHeader(section: string): number {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      if (this.lines[i].kind === 'section' && this.lines[i].section === section) return i
    }

    return -1
  }

  /** Index of the last entry line of the section that starts at `header` (or the header itself). */
  private endOfSection(header: number): number {
    let last = header
    for (let i = header + 1; i < this.lines.length && this.lines[i].kind !== 'section'; i++) {
      if (this.lines[i].kind === 'entry') last = i
    }

    return last
  }

  private insertAfter(index: number, line: ConfigLine): void {
    const prev = this.lines[index]
    if (prev.eol === '') {
      // the file had no final newline: the previous line gets one, the new line takes its place at the end
      this.lines[index] = {...prev, eol: this.eol()}
      this.lines.splice(index + 1, 0, {...line, eol: ''})
      return
    }

    this.lines.splice(index + 1, 0, {...line, eol: this.eol()})
  }

  private appendSection(section: string, entry: ConfigLine): void {
    const eol = this.eol()
    const last = this.lines.at(-1)
    if (last && last.eol === '') this.lines[this.lines.length - 1] = {...last, eol}
    if (this.lines.length > 0 && this.lines.at(-1)!.kind !== 'blank') {
      this.lines.push({eol, kind: 'blank', text: ''})
    }

    this.lines.push(
      {
        eol,
        kind: 'section',
        section,
        text: `[${section}]`,
      },
      {...entry, eol},
    )
  }
}

function classify(text: string, section?: string): Omit<ConfigLine, 'eol' | 'text'> {
  const s = trim(text)
  if (s === '') return {kind: 'blank', section}
  if (s.startsWith('#')) return {kind: 'comment', section}
  if (s.startsWith('[') && s.endsWith(']') && s.length >= 2) return {kind: 'section', section: s.slice(1, -1)}
  if (section === undefined) return {kind: 'ignored'}
  const eq = s.indexOf('=')
  if (eq === -1) return {kind: 'ignored', section}
  const key = trim(s.slice(0, eq))
  if (key === '' || key.startsWith('#')) return {kind: 'ignored', section}
  return {
    key,
    kind: 'entry',
    section,
    value: trim(s.slice(eq + 1)),
  }
}

/** Replace the value part of `key = value`, keeping the indentation, the spacing around '=' and trailing spaces. */
function replaceValue(text: string, value: string): string {
  const eq = text.indexOf('=')
  const head = /^[^=]*=[ \t\v\f]*/.exec(text)![0]
  const rest = text.slice(eq + 1)
  const tail = rest.slice(trimEnd(rest, c => c === 32 || c === 9 || (c >= 11 && c <= 13)).length)
  return head + value + tail
}

function assertWritable(section: string, key: string, value: string): void {
  // the lines set() may write must read back as exactly this section, key and value
  const header = classify(`[${section}]`)
  const entry = classify(`${key} = ${value}`, section)
  const headerOk = header.kind === 'section' && header.section === section
  const entryOk = entry.kind === 'entry' && entry.key === key && entry.value === value
  const ok = !/[\r\n]/.test(section + key + value) && headerOk && entryOk
  if (!ok) throw new RangeError(`cannot write [${section}] ${key} = ${value}: netdata's parser would not read it back`)
}
