// `explain`: what a pasted line (agent log, claim script exit, errorMsgKey, CONNACK code, verify error) means, from
// the one table of causes (cloud/causes.ts). Unknown input is said to be unknown: never a guess.

import {readFileSync} from 'node:fs'

import {EXIT, type ErrorCode, UserError} from '../base/errors.js'
import {type CauseStep, explainLine, type Form, isBareNumber} from '../cloud/causes.js'

export interface ExplainedCause {
  /** what was recognised in the line */
  recognised: string
  form: Form
  id: string
  cause: string
  step: CauseStep
  eras: string
  /** the failure class (exit-code table) and its exit status */
  code: ErrorCode
  exit: number
  fix: string
}

export interface ExplainedLine {
  /** the input line (trimmed; at most 4096 characters are read) */
  input: string
  causes: ExplainedCause[]
}

export interface ExplainResult {
  lines: ExplainedLine[]
  /** lines with at least one cause */
  explained: number
  /** lines that name nothing in the table */
  unknown: number
}

/** the most text explain reads (a pasted log); more is an error, not a silent cut */
export const MAX_INPUT = 16 * 1024 * 1024

/** Read the text to explain: the words given, or stdin with `-`. */
export function readExplainInput(words: string[], stdin: () => string = () => readFileSync(0, 'utf8')): string {
  if (words.length === 1 && words[0] === '-') {
    const text = stdin()
    if (text.length > MAX_INPUT)
      throw new UserError('badInput', `stdin: more than ${MAX_INPUT} bytes; explain reads at most that`)
    return text
  }

  return words.join(' ')
}

export function explainCauses(line: string): ExplainedCause[] {
  return explainLine(line).map(e => ({
    cause: e.cause.cause,
    code: e.cause.code,
    eras: e.cause.eras,
    exit: EXIT[e.cause.code],
    fix: e.cause.fix,
    form: e.form,
    id: e.cause.id,
    recognised: e.recognised,
    step: e.cause.step,
  }))
}

export function explainText(text: string): ExplainResult {
  const lines = text
    .split('\n')
    .map(l => l.trim())
    .filter(l => l !== '')
  if (lines.length === 0)
    throw new UserError(
      'usage',
      'nothing to explain: give a log line, an exit code, an errorMsgKey, a CONNACK code or a verify error',
      {
        fix: 'netdata-cloud explain "MQTT CONNACK returned error 135", or paste lines with: netdata-cloud explain -',
      },
    )
  if (lines.length === 1 && isBareNumber(lines[0]))
    throw new UserError(
      'badInput',
      `"${lines[0]}" alone is ambiguous: it could be a claim script exit code, a CONNACK code or a verify error`,
      {
        fix: `say which: netdata-cloud explain "exit ${lines[0]}" | "connack ${lines[0]}" | "verify error ${lines[0]}"`,
      },
    )
  const out = lines.map(l => ({causes: explainCauses(l), input: l.length > 4096 ? l.slice(0, 4096) : l}))
  const explained = out.filter(l => l.causes.length > 0).length
  return {explained, lines: out, unknown: out.length - explained}
}

/** exit status: 0 when something was explained, badInput when nothing was */
export function explainExitCode(r: ExplainResult): number {
  return r.explained > 0 ? 0 : EXIT.badInput
}
