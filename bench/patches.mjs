#!/usr/bin/env node
// What each of scripts/bundle.mjs's patches of oclif buys: builds the bundle once with all of them and once without
// each (scripts/bundle.mjs --root DIR --without NAME, each in a package root of its own under a temp dir), then runs
// the cases round-robin over the variants (the order rotates every round) and prints, per case, the median wall time
// and the median CPU time (user + system, bench/cpu-report.cjs) of each, and what leaving the patch out costs.
// A patch stays only where it saves >= 5 ms (issue 12).
//   node bench/patches.mjs [--runs 20] [--only debug,ejs]
import {execFileSync, spawn} from 'node:child_process'
import {copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {stats} from './measure.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PATCHES = ['string-width', 'ejs', 'id-sort'] // as in scripts/bundle.mjs
const {values: opt} = parseArgs({options: {only: {type: 'string'}, runs: {default: '20', type: 'string'}}})
const RUNS = Number(opt.runs)
const variants = ['all', ...(opt.only ? opt.only.split(',') : PATCHES)]
const scratch = mkdtempSync(join(tmpdir(), 'nc-patches.'))
const empty = join(scratch, 'empty')
mkdirSync(empty)
const BUILDINFO = join(ROOT, 'test/fixtures/buildinfo/D-v1.37.1-debian.txt')
const CASES = {
  '--help': ['--help'],
  'buildinfo --file': ['buildinfo', '--file', BUILDINFO],
  'status --json (no agent)': ['status', '--json', '--prefix', empty, '--agent-url', 'http://127.0.0.1:1'],
  'status --help': ['status', '--help'],
}

function packageRoot(variant) {
  const root = join(scratch, variant)
  mkdirSync(join(root, 'bin'), {recursive: true})
  for (const f of ['package.json', 'oclif.manifest.json']) copyFileSync(join(ROOT, f), join(root, f))
  cpSync(join(ROOT, 'bin'), join(root, 'bin'), {recursive: true})
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'))
  const without = variant === 'all' ? [] : ['--without', variant]
  execFileSync(process.execPath, [join(ROOT, 'scripts/bundle.mjs'), '--root', root, ...without], {stdio: 'inherit'})
  return root
}

const env = {
  ...process.env,
  NODE_EXTRA_CA_CERTS: undefined,
  NODE_OPTIONS: `--require=${join(ROOT, 'bench/cpu-report.cjs')}`,
}
delete env.NODE_EXTRA_CA_CERTS

function run(root, args) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(process.execPath, [join(root, 'bin/run.js'), ...args], {
      cwd: root,
      env,
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    })
    let cpu = ''
    child.stdio[3].setEncoding('utf8').on('data', d => {
      cpu += d
    })
    let wall
    child.once('exit', () => {
      wall = Number(process.hrtime.bigint() - start) / 1e6
    })
    child.once('error', reject)
    child.once('close', code => resolve({code, cpu: Number(cpu.trim()), wall}))
  })
}

try {
  const roots = Object.fromEntries(variants.map(v => [v, packageRoot(v)]))
  const fmt = x => x.toFixed(1)
  const lines = ['case | variant | wall median ms | CPU median ms | CPU p25–p75 | CPU cost of leaving it out']
  lines.push('--- | --- | --- | --- | --- | ---')
  for (const [label, args] of Object.entries(CASES)) {
    const got = Object.fromEntries(variants.map(v => [v, {cpu: [], wall: []}]))
    for (const v of variants) await run(roots[v], args) // warm-up
    for (let i = 0; i < RUNS; i++) {
      const order = [...variants.slice(i % variants.length), ...variants.slice(0, i % variants.length)]
      for (const v of order) {
        const r = await run(roots[v], args)
        got[v].cpu.push(r.cpu)
        got[v].wall.push(r.wall)
      }
    }

    const base = stats(got.all.cpu).median
    for (const v of variants) {
      const c = stats(got[v].cpu)
      const w = stats(got[v].wall)
      const name = v === 'all' ? 'all patches' : `without ${v}`
      const cost = v === 'all' ? '' : `${c.median - base >= 0 ? '+' : ''}${fmt(c.median - base)} ms`
      lines.push(`${label} | ${name} | ${fmt(w.median)} | ${fmt(c.median)} | ${fmt(c.p25)}–${fmt(c.p75)} | ${cost}`)
    }

    process.stderr.write(`${label}: done\n`)
  }

  process.stdout.write(lines.join('\n') + '\n')
} finally {
  rmSync(scratch, {force: true, recursive: true})
}
