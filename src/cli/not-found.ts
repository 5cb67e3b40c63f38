// oclif's command_not_found hook (package.json oclif.hooks; the bundle's NOT_FOUND loads this file only when a command
// is unknown). At a terminal it is @oclif/plugin-not-found's "Did you mean status?" prompt, which runs the suggestion
// when confirmed. For scripts, which have no terminal to answer, it names the closest command in one line on stderr,
// and with --json prints the one JSON error document every command prints; both exit with the usage status.

import {type Hook, toConfiguredId} from '@oclif/core'
import pluginNotFound from '@oclif/plugin-not-found'

import {EXIT} from '../base/errors.js'
import {envelope, printError, printText} from '../ui/output.js'

/** Longest id compared: the distance is quadratic in it, and no command id is near this long. */
const MAX_ID = 64

const hook: Hook.CommandNotFound = async function (opts) {
  const {argv = [], config, id} = opts
  const json = argv.includes('--json')
  if (!json && process.stdin.isTTY && process.stderr.isTTY) {
    try {
      return await pluginNotFound.call(this, opts)
    } catch (error) {
      // declined (or no answer in 10 s): the plugin's "Run … help" line, with our exit status for a usage error
      printError(`netdata-cloud: ${(error as Error).message}`)
      process.exitCode = EXIT.usage
      return
    }
  }

  const visible = config.commands.filter(c => !c.hidden)
  const suggestion = closest(id, [...visible.map(c => c.id), ...visible.flatMap(c => c.aliases)])
  const shown = toConfiguredId(id.slice(0, MAX_ID), config)
  const message =
    `"${shown}" is not a ${config.bin} command` +
    (suggestion ? `; did you mean "${toConfiguredId(suggestion, config)}"?` : '') +
    ` (${config.bin} help lists the commands)`
  if (json) {
    const error = {code: 'usage', message, ...(suggestion ? {suggestion: toConfiguredId(suggestion, config)} : {})}
    printText(JSON.stringify(envelope(shown, false, null, [], error), null, 2) + '\n')
  } else printError(`${config.bin}: ${message}`)
  process.exitCode = EXIT.usage
}

export default hook

/** The candidate nearest to `target` by edit distance, if near enough to be a typo (at most half its length). */
export function closest(target: string, candidates: string[]): string | undefined {
  const t = target.slice(0, MAX_ID)
  let best: string | undefined
  let bestDistance = Math.max(1, Math.floor(t.length / 2)) + 1
  for (const c of candidates) {
    const d = distance(t, c.slice(0, MAX_ID))
    if (d < bestDistance) [best, bestDistance] = [c, d]
  }

  return best
}

/** Levenshtein distance (insert, delete, substitute), one row at a time. */
export function distance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = row
  }

  return previous[b.length]
}
