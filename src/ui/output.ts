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

/** Render rows as an aligned table. */
export function table(header: string[], rows: string[][]): string {
  const visible = (s: string) => s.replace(/\u001B\[[0-9;]*m/g, '')
  const widths = header.map((h, i) => Math.max(visible(h).length, ...rows.map(r => visible(r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - visible(c).length)))
      .join('  ')
      .trimEnd()
  return [line(header.map(h => chalk.bold(h))), ...rows.map(r => line(r))].join('\n') + '\n'
}
