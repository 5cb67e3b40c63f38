// Whole-process measurements: wall time of one run (spawn → exit), peak RSS (GNU time's %M), and the statistics.
import {spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const CPU_REPORT = fileURLToPath(new URL('cpu-report.cjs', import.meta.url))

/**
 * Run argv once; resolve {ms, cpuMs, code, stdout, stderr}. stdout/stderr are read (a pipe, like a script would);
 * cpuMs is the process's own CPU time (user + system), which bench/cpu-report.cjs (preloaded) writes to fd 3.
 */
export function runOnce(argv, {cwd, env, timeoutMs = 60_000} = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const nodeOptions = `${env?.NODE_OPTIONS ?? ''} --require=${CPU_REPORT}`.trim()
    const child = spawn(argv[0], argv.slice(1), {
      cwd,
      env: {...env, NODE_OPTIONS: nodeOptions},
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    })
    let cpu = ''
    child.stdio[3].setEncoding('utf8').on('data', d => {
      cpu += d
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', d => {
      stdout += d
    })
    child.stderr.setEncoding('utf8').on('data', d => {
      stderr += d
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    let ms
    child.once('error', reject)
    child.once('exit', () => {
      ms = Number(process.hrtime.bigint() - start) / 1e6
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({
        code: code ?? signal,
        cpuMs: cpu ? Number(cpu.trim()) : Number.NaN,
        ms,
        stderr,
        stdout,
      })
    })
  })
}

/** Peak resident set size of one run, in MB, from GNU time (/usr/bin/time -f %M writes KB to its own file). */
export async function peakRssMb(argv, options) {
  const dir = mkdtempSync(join(tmpdir(), 'nc-bench-rss.'))
  try {
    const out = join(dir, 'time.txt')
    const r = await runOnce(['/usr/bin/time', '-f', '%M', '-o', out, ...argv], options)
    const kb = Number(readFileSync(out, 'utf8').trim().split('\n').at(-1))
    return {code: r.code, mb: kb / 1024}
  } finally {
    rmSync(dir, {force: true, recursive: true})
  }
}

export function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

export function stats(values) {
  const s = [...values].sort((a, b) => a - b)
  return {
    max: s.at(-1),
    median: quantile(s, 0.5),
    min: s[0],
    n: s.length,
    p25: quantile(s, 0.25),
    p75: quantile(s, 0.75),
  }
}

/**
 * Alternate the case with its baseline in the same environment: warm-up runs of both (not recorded), then `runs`
 * pairs, baseline first in even pairs and case first in odd ones (so neither always follows the other).
 */
export async function alternate(caseArgv, baseArgv, {cwd, env, runs, warmup, timeoutMs}) {
  const options = {cwd, env, timeoutMs}
  const codes = new Set()
  let sample
  for (let i = 0; i < warmup; i++) {
    await runOnce(baseArgv, options)
    const r = await runOnce(caseArgv, options)
    codes.add(r.code)
    sample ??= r
  }

  const base = []
  const kase = []
  const baseCpu = []
  const caseCpu = []
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? ['base', 'case'] : ['case', 'base']
    for (const which of order) {
      const r = await runOnce(which === 'base' ? baseArgv : caseArgv, options)
      if (which === 'base') {
        base.push(r.ms)
        baseCpu.push(r.cpuMs)
      } else {
        kase.push(r.ms)
        caseCpu.push(r.cpuMs)
        codes.add(r.code)
        sample ??= r
      }
    }
  }

  const b = stats(base)
  const c = stats(kase)
  const pairRatios = stats(kase.map((ms, i) => ms / base[i]))
  return {
    base: b,
    baseCpu: stats(baseCpu),
    case: c,
    caseCpu: stats(caseCpu),
    codes: [...codes],
    pairRatioMedian: pairRatios.median,
    ratio: c.median / b.median,
    sample,
  }
}
