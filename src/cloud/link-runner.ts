// The one runner of the link walk: runs the steps in order, gives each its own time limit within the overall
// deadline, records milliseconds, and marks a step SKIP when a step it needs did not pass.

import type {LinkContext, Step, StepId, StepRecord, StepResult} from './link-types.js'

export interface RunOptions {
  /** per-step limit in ms */
  timeoutMs: number
  /** the whole walk's limit in ms */
  deadlineMs: number
  /** run only these (and what they need) */
  only?: StepId[]
  /** do not run these (steps that need them are skipped) */
  skip?: StepId[]
  /** called before each step starts and after it ends */
  onProgress?: (
    event: {phase: 'end'; record: StepRecord} | {phase: 'start'; id: StepId; title: string; target: string},
  ) => void
}

export async function runSteps(steps: Step[], ctx: LinkContext, options: RunOptions): Promise<StepRecord[]> {
  const byId = new Map(steps.map(s => [s.id, s]))
  const selected = selection(steps, options)
  const records: StepRecord[] = []
  const outcome = new Map<StepId, StepRecord['status']>()
  const notApplicable = new Set<StepId>()
  const deadline = Date.now() + options.deadlineMs
  for (const step of steps) {
    let target = ''
    try {
      target = step.target(ctx)
    } catch {}

    const started = Date.now()
    let result: StepResult
    const missing = step.needs.find(
      n => byId.has(n) && outcome.get(n) !== 'PASS' && outcome.get(n) !== 'WARN' && !notApplicable.has(n),
    )
    if (!selected.has(step.id)) {
      result = {detail: options.only ? 'not selected (--only)' : 'not run (--skip)', status: 'SKIP'}
    } else if (missing) {
      result = {
        detail: `needs ${missing}, which ${outcome.get(missing) === 'FAIL' ? 'failed' : 'did not run'}`,
        status: 'SKIP',
      }
    } else if (Date.now() >= deadline) {
      result = {
        code: 'timeout',
        detail: `overall deadline of ${options.deadlineMs} ms reached before this step`,
        fix: 'raise --deadline, or fix the slow step above',
        status: 'FAIL',
      }
    } else {
      options.onProgress?.({
        id: step.id,
        phase: 'start',
        target,
        title: step.title,
      })
      result = await runOne(step, ctx, Math.min(options.timeoutMs, deadline - Date.now()), options.timeoutMs)
      try {
        target = step.target(ctx) || target
      } catch {}
    }

    const record: StepRecord = {
      id: step.id,
      ms: Date.now() - started,
      title: step.title,
      ...result,
      target: result.target ?? target,
    }
    outcome.set(step.id, record.status)
    if (result.notApplicable) notApplicable.add(step.id)
    delete (record as Partial<StepResult>).notApplicable
    records.push(record)
    options.onProgress?.({phase: 'end', record})
  }

  return records
}

/** --only X runs X and everything X needs; --skip X leaves X out. */
function selection(steps: Step[], options: RunOptions): Set<StepId> {
  const all = new Set(steps.map(s => s.id))
  if (options.only && options.only.length > 0) {
    const keep = new Set<StepId>()
    const add = (id: StepId) => {
      if (keep.has(id) || !all.has(id)) return
      keep.add(id)
      for (const n of steps.find(s => s.id === id)?.needs ?? []) add(n)
    }

    for (const id of options.only) add(id)
    return keep
  }

  for (const id of options.skip ?? []) all.delete(id)
  return all
}

async function runOne(step: Step, ctx: LinkContext, limitMs: number, stepTimeoutMs: number): Promise<StepResult> {
  const controller = new AbortController()
  ctx.waiting = undefined
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<StepResult>(resolve => {
    timer = setTimeout(
      () => {
        const byDeadline = limitMs < stepTimeoutMs
        controller.abort(new Error('step timeout'))
        resolve({
          code: step.timeoutCode ?? 'timeout',
          detail: `no answer in ${limitMs} ms${ctx.waiting ? ` (waiting for ${ctx.waiting})` : ''}${byDeadline ? ': overall deadline' : ''}`,
          fix: byDeadline
            ? 'raise --deadline, or fix the slow step above'
            : `check what stalls ${step.title}; raise --timeout if the path is just slow`,
          status: 'FAIL',
        })
      },
      Math.max(1, limitMs),
    )
  })
  try {
    return await Promise.race([
      step.run(ctx, controller.signal).catch((error: unknown): StepResult => ({
        code: 'bug',
        detail: `unexpected error: ${(error as Error)?.message ?? String(error)}`,
        fix: 'this is a bug in netdata-cloud; please report it with this output',
        status: 'FAIL',
      })),
      timedOut,
    ])
  } finally {
    clearTimeout(timer)
  }
}
