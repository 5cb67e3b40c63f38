// The support log: with --verbose (or DEBUG=netdata-cloud:*) each file read, each command run and each request sent,
// with its timing, one line each on stderr. Only the chokepoints call it (config/read.ts, agent/run-binary.ts,
// cloud/http.ts, cloud/wire-http.ts, agent/api.ts). Every line goes through redactSecrets, and callers pass URLs
// through redactUrl. The CLI sets the sink (src/ui writes it); without one, logging costs one comparison.

import {performance} from 'node:perf_hooks'

import {redactSecrets} from './secrets.js'

export type LogTopic = 'read' | 'request' | 'run'

let sink: ((line: string) => void) | undefined

/** Where log lines go (the CLI: stderr); undefined turns logging off. */
export function setLogSink(write: ((line: string) => void) | undefined): void {
  sink = write
}

export function logging(): boolean {
  return sink !== undefined
}

/** DEBUG names netdata-cloud's topics the way the `debug` package reads it: `netdata-cloud:*`, `netdata-cloud`, `*`. */
export function debugAsksForLog(debug = process.env.DEBUG): boolean {
  return (debug ?? '')
    .split(/[\s,]+/)
    .some(
      p =>
        p === '*' || p === 'netdata-cloud' || p === 'netdata-cloud:*' || /^netdata-cloud:(read|run|request)$/.test(p),
    )
}

/** One line: `netdata-cloud:run +12ms /usr/sbin/netdata -W buildinfo → exit 0 (35.1 ms)`. */
export function log(topic: LogTopic, text: string, ms?: number): void {
  if (!sink) return
  const at = Math.round(performance.now())
  sink(redactSecrets(`netdata-cloud:${topic} +${at}ms ${text}${ms === undefined ? '' : ` (${ms.toFixed(1)} ms)`}`))
}

/** A start time for `since`, or undefined when not logging (so the chokepoints measure nothing then). */
export function logStart(): number | undefined {
  return sink ? performance.now() : undefined
}

export function since(start: number | undefined): number | undefined {
  return start === undefined ? undefined : performance.now() - start
}

/**
 * Run `work`, and when logging, log `what` with its outcome (`describe` of the result, or the error's message) and how
 * long it took.
 */
export async function logged<T>(topic: LogTopic, what: string, work: () => Promise<T>, describe: (r: T) => string) {
  if (!sink) return work()
  const started = performance.now()
  try {
    const result = await work()
    log(topic, `${what} → ${describe(result)}`, performance.now() - started)
    return result
  } catch (error) {
    log(topic, `${what} → ${(error as Error).message}`, performance.now() - started)
    throw error
  }
}
