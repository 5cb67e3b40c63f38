#!/usr/bin/env node
// Runs the test files with node's test runner (TypeScript through tsx), in three tiers, in this order:
//   unit         test/<layer>/… mirroring src/ (and test/bin for bin/): modules, services and parsers in-process, on
//                temp trees, with fixture accounts (test/helpers/accounts.ts); no root, no netdata user, no daemon.
//                Two files at a time.
//   process      test/process/: the built CLI as a child process (exit codes, --json, the command snapshot, README,
//                code cache, enable/disable end to end on real owners). Two files at a time.
//   integration  test/integration/: real agents, broker, proxies, DNS; one file at a time (one agent socket per
//                machine, and a machine-wide lock).
//   node test/run.mjs                 every *.test.ts under test/
//   node test/run.mjs test/config     only those under a path
// Before process or integration tests it makes sure the Debian packages they use are installed: as root it installs
// them with apt, otherwise it stops with the exact command to run. It never skips silently.
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

const roots = process.argv.slice(2).filter(a => !a.startsWith('--'))
const files = []
const walk = p => {
  if (statSync(p).isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e))
  else if (p.endsWith('.test.ts')) files.push(p)
}

for (const r of roots.length > 0 ? roots : ['test']) walk(r)

const integration = files.filter(f => f.includes('/integration/'))
const processTier = files.filter(f => f.includes('/process/'))
const unit = files.filter(f => !f.includes('/integration/') && !f.includes('/process/'))

const NEEDED = {
  '/usr/sbin/netdata': 'netdata',
  '/usr/sbin/mosquitto': 'mosquitto',
  '/usr/bin/tinyproxy': 'tinyproxy',
  '/usr/sbin/danted': 'dante-server',
  '/usr/sbin/dnsmasq': 'dnsmasq',
  '/usr/bin/faketime': 'faketime',
  '/usr/bin/ansible-playbook': 'ansible-core',
  '/usr/bin/zsh': 'zsh',
}
const packagesNeeded = () => [
  ...new Set(
    Object.entries(NEEDED)
      .filter(([bin]) => !existsSync(bin))
      .map(([, pkg]) => pkg),
  ),
]

if (integration.length + processTier.length > 0 && packagesNeeded().length > 0) {
  const missing = packagesNeeded()
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`
  if (process.getuid?.() !== 0) {
    console.error(`integration tests need Debian packages that are missing: ${missing.join(', ')}\nrun as root: ${cmd}`)
    process.exit(1)
  }

  // policy-rc.d keeps the maintainer scripts from starting the daemons: tests start their own, by pid
  if (!existsSync('/usr/sbin/policy-rc.d'))
    writeFileSync('/usr/sbin/policy-rc.d', '#!/bin/sh\nexit 101\n', {mode: 0o755})
  console.error(`installing ${missing.join(' ')} (integration tests need them)`)
  const env = {...process.env, DEBIAN_FRONTEND: 'noninteractive'}
  execFileSync('apt-get', ['update', '-qq'], {env, stdio: 'inherit'})
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {env, stdio: 'inherit'})
}

let failed = false
const run = (list, concurrency) => {
  if (list.length === 0) return
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...list], {
    stdio: 'inherit',
  })
  if (r.status !== 0) failed = true
}

run(unit, 2)
run(processTier, 2)
run(integration, 1)
if (files.length === 0) {
  console.error('no test files found')
  process.exit(1)
}

process.exit(failed ? 1 : 0)
