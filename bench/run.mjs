#!/usr/bin/env node
// npm run bench: start-up, work and memory of the built CLI (bin/run.js), as ratios to `node -e 0` run alternately in
// the same environment. See bench/README.md. Prints a table and writes bench/results.json.
//   node bench/run.mjs [--runs 20] [--warmup 3] [--only version,help,...] [--no-agent] [--out bench/results.json]
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, hostname, release, tmpdir, totalmem} from 'node:os'
import {join} from 'node:path'
import {parseArgs} from 'node:util'
import {fileURLToPath} from 'node:url'

import {startDelayProxy} from './delay-proxy.mjs'
import {growth} from './growth.mjs'
import {longLines, longLinesTable} from './long-lines.mjs'
import {alternate, peakRssMb, runOnce, stats} from './measure.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const {values: opt} = parseArgs({
  options: {
    'no-agent': {type: 'boolean'},
    only: {type: 'string'},
    out: {default: join(ROOT, 'bench/results.json'), type: 'string'},
    'proxy-rtt': {default: '100', type: 'string'},
    'rss-runs': {default: '5', type: 'string'},
    runs: {default: '20', type: 'string'},
    warmup: {default: '3', type: 'string'},
  },
})
const RUNS = Number(opt.runs)
const WARMUP = Number(opt.warmup)
const RSS_RUNS = Number(opt['rss-runs'])
const only = opt.only ? new Set(opt.only.split(',')) : undefined
const want = id => !only || only.has(id)

// Budget (issue 8): medians, ratio to `node -e 0` with NODE_EXTRA_CA_CERTS unset.
const BUDGET = {
  buildinfo: {ratio: 4},
  help: {ratio: 3.5},
  link: {rssMb: 100, wallMs: 1000},
  'status-agent': {ratio: 5, rssMb: 70},
  'status-none': {rssMb: 70},
  version: {ratio: 3},
}

const scratch = mkdtempSync(join(tmpdir(), 'nc-bench.'))
for (const d of ['empty', 'lib', 'etc']) mkdirSync(join(scratch, d))
const cli = (...args) => [process.execPath, join(ROOT, 'bin/run.js'), ...args]
const BASE = [process.execPath, '-e', '0']

const CASES = [
  {args: cli('--version'), id: 'version'},
  {args: cli('--help'), id: 'help'},
  {args: cli('buildinfo', '--file', 'test/fixtures/buildinfo/D-v1.37.1-debian.txt'), id: 'buildinfo'},
  // the same without the bundle's V8 code cache (bin/load-bundle.js): what that lever buys
  {
    args: cli('buildinfo', '--file', 'test/fixtures/buildinfo/D-v1.37.1-debian.txt'),
    env: {NETDATA_CLOUD_NO_CODE_CACHE: '1'},
    id: 'buildinfo-no-cache',
    label: 'buildinfo --file (no code cache)',
  },
  {
    agent: true,
    args: agent => cli('status', '--json', '--agent-url', agent.url),
    id: 'status-agent',
    label: 'status --json (agent)',
  },
  {args: cli('status', '--prefix', join(scratch, 'empty')), id: 'status-none', label: 'status (no agent)'},
  {
    args: cli(
      'enable',
      '--dry-run',
      '--lib-dir',
      join(scratch, 'lib'),
      '--config-dir',
      join(scratch, 'etc'),
      '--buildinfo-file',
      'test/fixtures/buildinfo/D-v1.40.0.txt',
    ),
    id: 'enable-dry-run',
    label: 'enable --dry-run',
  },
  {
    args: cli('link', '--emulator', '--json'),
    id: 'link',
    label: 'link --emulator',
    runs: 10,
  },
]

function environments() {
  const asIs = {...process.env}
  const unset = {...process.env}
  delete unset.NODE_EXTRA_CA_CERTS
  return [
    {env: unset, id: 'unset', label: 'NODE_EXTRA_CA_CERTS unset'},
    {env: asIs, id: 'as-is', label: `as is (NODE_EXTRA_CA_CERTS=${asIs.NODE_EXTRA_CA_CERTS ?? ''})`},
  ]
}

async function withAgent(fn) {
  const {tsImport} = await import('tsx/esm/api')
  const agent = await tsImport('../test/helpers/agent.ts', import.meta.url)
  return agent.withAgent(fn)
}

async function measureCase(c, envs, agent) {
  const args = typeof c.args === 'function' ? c.args(agent) : c.args
  const out = {
    args: args.slice(1).map(a => a.replace(ROOT, '')),
    id: c.id,
    label: c.label ?? args.slice(2).join(' '),
    modes: {},
  }
  for (const e of envs) {
    const runs = Math.min(c.runs ?? RUNS, RUNS)
    const env = {...e.env, ...c.env}
    const r = await alternate(args, BASE, {
      cwd: ROOT,
      env,
      runs,
      timeoutMs: 60_000,
      warmup: Math.min(WARMUP, runs),
    })
    const rss = []
    for (let i = 0; i < RSS_RUNS; i++) rss.push((await peakRssMb(args, {cwd: ROOT, env})).mb)
    out.modes[e.id] = {
      baseCpuMs: r.baseCpu,
      baseMs: r.base,
      caseCpuMs: r.caseCpu,
      cpuRatio: r.caseCpu.median / r.baseCpu.median,
      caseMs: r.case,
      exitCodes: r.codes,
      pairRatioMedian: r.pairRatioMedian,
      ratio: r.ratio,
      rssMb: stats(rss),
    }
    if (c.id === 'link' && r.sample?.stdout) {
      try {
        out.modes[e.id].reportedRoundTrips = JSON.parse(r.sample.stdout).result.roundTrips
      } catch {}
    }

    out.modes[e.id].sampleStderr = r.sample?.stderr.split('\n')[0] ?? ''
    process.stderr.write(
      `  ${out.label} [${e.id}]: ${r.case.median.toFixed(1)} ms vs ${r.base.median.toFixed(1)} ms → ${r.ratio.toFixed(2)}×; CPU ${r.caseCpu.median.toFixed(1)} vs ${r.baseCpu.median.toFixed(1)} ms → ${(r.caseCpu.median / r.baseCpu.median).toFixed(2)}×, exit ${r.codes.join('/')}\n`,
    )
  }

  return out
}

/** The link walk through the delay proxy: wall with and without a fixed RTT → sequential round trips. */
async function roundTrips(env) {
  const rtt = Number(opt['proxy-rtt'])
  const walk = async ms => {
    const proxy = await startDelayProxy({rttMs: ms})
    try {
      const r = await runOnce(cli('link', '--emulator', '--json', '--proxy', `http://127.0.0.1:${proxy.port}`), {
        cwd: ROOT,
        env,
        timeoutMs: 120_000,
      })
      let report
      try {
        report = JSON.parse(r.stdout).result
      } catch {}

      return {
        code: r.code,
        connections: proxy.stats.connections,
        ms: r.ms,
        report,
      }
    } finally {
      proxy.server.closeAllConnections?.()
      await proxy.close()
    }
  }

  const n = 5
  const zero = []
  const delayed = []
  let sample
  for (let i = 0; i < n; i++) {
    zero.push(await walk(0))
    const d = await walk(rtt)
    delayed.push(d)
    sample ??= d
  }

  const z = stats(zero.map(r => r.ms))
  const d = stats(delayed.map(r => r.ms))
  const stepMs = Object.fromEntries((sample.report?.steps ?? []).map(s => [s.id, s.ms]))
  return {
    codes: [...new Set([...zero, ...delayed].map(r => r.code))],
    delayedMs: d,
    proxyConnections: sample.connections,
    reportedRoundTrips: sample.report?.roundTrips,
    roundTrips: (d.median - z.median) / rtt,
    rttMs: rtt,
    stepMsDelayed: stepMs,
    zeroMs: z,
  }
}

const fmt = (x, d = 1) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d))

function table(results) {
  const lines = []
  for (const mode of ['unset', 'as-is']) {
    const env = results.environments.find(e => e.id === mode)
    lines.push(
      '',
      `${env.label}`,
      '',
      [
        'case',
        'median ms',
        'p25–p75 ms',
        'min–max ms',
        'node -e 0 ms',
        'ratio',
        'CPU ms (node -e 0)',
        'CPU ratio',
        'budget',
        'peak RSS MB',
        'exit',
      ].join(' | '),
      '--- | --- | --- | --- | --- | --- | --- | --- | --- | --- | ---',
    )
    for (const c of results.cases) {
      const m = c.modes[mode]
      if (!m) continue
      const b = BUDGET[c.id] ?? {}
      const budget = [b.ratio ? `≤${b.ratio}×` : '', b.wallMs ? `≤${b.wallMs} ms` : '', b.rssMb ? `≤${b.rssMb} MB` : '']
        .filter(Boolean)
        .join(', ')
      const over =
        mode === 'unset' &&
        ((b.ratio && m.ratio > b.ratio) ||
          (b.wallMs && m.caseMs.median > b.wallMs) ||
          (b.rssMb && m.rssMb.median > b.rssMb))
      lines.push(
        [
          c.label,
          fmt(m.caseMs.median),
          `${fmt(m.caseMs.p25)}–${fmt(m.caseMs.p75)}`,
          `${fmt(m.caseMs.min)}–${fmt(m.caseMs.max)}`,
          fmt(m.baseMs.median),
          `${fmt(m.ratio, 2)}×`,
          `${fmt(m.caseCpuMs?.median)} (${fmt(m.baseCpuMs?.median)})`,
          `${fmt(m.cpuRatio, 2)}×`,
          budget + (over ? ' OVER' : ''),
          fmt(m.rssMb.median),
          m.exitCodes.join('/'),
        ].join(' | '),
      )
    }
  }

  if (results.roundTrips) {
    const r = results.roundTrips
    lines.push(
      '',
      `link --emulator through a delay proxy (RTT ${r.rttMs} ms): ${fmt(r.zeroMs.median, 0)} ms → ${fmt(r.delayedMs.median, 0)} ms = ${fmt(r.roundTrips)} sequential round trips (the walk reports ${r.reportedRoundTrips}); ${r.proxyConnections} proxy connection(s), exit ${r.codes.join('/')}`,
    )
  }

  if (results.growth) {
    lines.push(
      '',
      'netdata.conf parse + edit + render',
      '',
      'size | lines | median ms | µs per line',
      '--- | --- | --- | ---',
    )
    for (const g of results.growth)
      lines.push(`${g.factor}× | ${g.lines} | ${fmt(g.ms.median, 2)} | ${fmt(g.usPerLine, 3)}`)
  }

  if (results.longLines)
    lines.push('', 'long lines (time per byte must stay flat)', '', longLinesTable(results.longLines))
  return lines.join('\n') + '\n'
}

const results = {
  cases: [],
  date: new Date().toISOString(),
  environments: environments().map(({id, label}) => ({id, label})),
  machine: {
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    hostname: hostname(),
    kernel: release(),
    memGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  runs: RUNS,
  warmup: WARMUP,
}
try {
  const envs = environments()
  for (const c of CASES) {
    if (!want(c.id)) continue
    process.stderr.write(`${c.label ?? c.id}\n`)
    if (c.agent) {
      if (opt['no-agent']) continue
      results.cases.push(await withAgent(agent => measureCase(c, envs, agent)))
    } else results.cases.push(await measureCase(c, envs))
  }

  if (want('round-trips')) {
    process.stderr.write('link round trips through the delay proxy\n')
    results.roundTrips = await roundTrips(envs[0].env)
  }

  if (want('long-lines')) {
    process.stderr.write('long lines\n')
    results.longLines = await longLines()
  }

  if (want('growth')) {
    process.stderr.write('growth\n')
    results.growth = await growth()
  }
} finally {
  rmSync(scratch, {force: true, recursive: true})
}

writeFileSync(opt.out, JSON.stringify(results, null, 2) + '\n')
process.stdout.write(table(results))
process.stdout.write(`\nwritten: ${opt.out}\n`)
