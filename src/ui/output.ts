// The only place that writes to the terminal. Results go to stdout, chatter (warnings, progress) to stderr.

import {Chalk} from 'chalk'

import type {Warning} from '../base/result.js'
import {redactSecrets} from '../base/secrets.js'

/** What a command hands to the UI: the result object (for --json), how to show it as text, and the exit status. */
export interface Outcome<R> {
  result: R
  exitCode: number
  render: () => string
  warnings?: Warning[]
}

export interface ErrorBody {
  code: string
  message: string
  fix?: string
  ref?: string
}

let chalk = new Chalk({level: process.stdout.isTTY && process.env.NO_COLOR === undefined ? 1 : 0})

export function setColor(on: boolean): void {
  chalk = new Chalk({level: on ? 1 : 0})
}

export function colors(): InstanceType<typeof Chalk> {
  return chalk
}

/** The JSON shape every command prints with --json (design.md §3). */
export function envelope(
  command: string,
  ok: boolean,
  result: unknown,
  warnings: Warning[],
  error?: ErrorBody,
): Record<string, unknown> {
  return {
    ok,
    command,
    result,
    warnings,
    ...(error ? {error} : {}),
  }
}

export function printText(text: string): void {
  if (text === '') return
  process.stdout.write(redactSecrets(text.endsWith('\n') ? text : text + '\n'))
}

export function printError(text: string): void {
  process.stderr.write(redactSecrets(text.endsWith('\n') ? text : text + '\n'))
}

/** The terminal's width for wrapping: the TTY's columns, else $COLUMNS; undefined (no wrapping) for pipes and files. */
export function terminalWidth(): number | undefined {
  if (process.stdout.isTTY && process.stdout.columns) return process.stdout.columns
  const env = Number(process.env.COLUMNS)
  return Number.isInteger(env) && env >= 20 ? env : undefined
}

const visible = (s: string) => s.replace(/\u001B\[[0-9;]*m/g, '')

/** Wrap at spaces to `width` visible columns (a word longer than that is cut); linear in the text. */
export function wrapWords(text: string, width: number): string[] {
  if (width < 10 || visible(text).length <= width) return [text]
  const lines: string[] = []
  let line = ''
  let len = 0
  for (const word of text.split(' ')) {
    let w = word
    let wl = visible(w).length
    if (len > 0 && len + 1 + wl > width) {
      lines.push(line)
      line = ''
      len = 0
    }

    while (wl > width) {
      // only plain text is cut (colour codes sit on short words: status names, "fix:")
      if (len > 0) {
        lines.push(line)
        line = ''
        len = 0
      }

      lines.push(w.slice(0, width))
      w = w.slice(width)
      wl = visible(w).length
    }

    line = len > 0 ? `${line} ${w}` : w
    len += (len > 0 ? 1 : 0) + wl
  }

  if (line !== '' || lines.length === 0) lines.push(line)
  return lines
}

/** `key  value` rows, aligned; values wrap inside their column on a narrow terminal. */
export function keyValueRows(rows: Array<[string, string]>, width = terminalWidth()): string {
  const keyWidth = Math.max(...rows.map(([k]) => k.length))
  const indent = ' '.repeat(keyWidth + 2)
  return (
    rows
      .map(([k, v]) => {
        const lines = width ? wrapWords(v, width - keyWidth - 2) : [v]
        return `${k.padEnd(keyWidth)}  ${lines.join(`\n${indent}`)}`
      })
      .join('\n') + '\n'
  )
}

/**
 * Render rows as an aligned table. On a narrow terminal the last column (DETAILS) wraps inside its column; when too
 * little is left for it, it goes under its row, indented.
 */
export function table(header: string[], rows: string[][], width = terminalWidth()): string {
  const widths = header.map((h, i) => Math.max(visible(h).length, ...rows.map(r => visible(r[i] ?? '').length)))
  const lastIndex = header.length - 1
  const offset = widths.slice(0, lastIndex).reduce((a, b) => a + b + 2, 0)
  const room = width ? width - offset : Infinity
  const under = width !== undefined && room < 30
  const pad = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - visible(c).length))).join('  ')
  const line = (cells: string[], isHeader = false): string => {
    if (!width || (isHeader && !under)) return pad(cells).trimEnd()
    if (isHeader) return pad(cells.slice(0, lastIndex)).trimEnd()
    const last = cells[lastIndex] ?? ''
    if (under) {
      const head = pad(cells.slice(0, lastIndex)).trimEnd()
      const details = wrapWords(last, width - 4).map(l => `    ${l}`)
      return [head, ...details].filter(l => l.trim() !== '').join('\n')
    }

    const [first, ...more] = wrapWords(last, room)
    return [pad([...cells.slice(0, lastIndex), first]).trimEnd(), ...more.map(l => ' '.repeat(offset) + l)].join('\n')
  }

  return (
    [
      line(
        header.map(h => chalk.bold(h)),
        true,
      ),
      ...rows.map(r => line(r)),
    ].join('\n') + '\n'
  )
}

/** Write to stderr as is (no newline added): the running step's line on a terminal. */
export function writeStderr(text: string): void {
  process.stderr.write(redactSecrets(text))
}
