#!/usr/bin/env node
// The agent tier (issue 17): integration tests against real Cloud-enabled Netdata Agent installs.
//   NETDATA_CLOUD_TEST_AGENTS=/opt/netdata,/opt/netdata-v1 npm run test:agent
//   node test/agent-tier/run.mjs [test/agent-tier/FILE.tier.ts …]   some files only
// Each PREFIX must hold a Netdata Agent built with Cloud support (checked with `netdata-cloud buildinfo`); unset, or a
// --disable-cloud build, stops here with one line saying what to set: never a silent skip. Every *.tier.ts file runs
// once per prefix, one file at a time (each test starts its own agent), holding a machine-wide lock. `npm test` does
// not run these files (they do not end in .test.ts).
import {spawnSync} from 'node:child_process'
import {closeSync, existsSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const HERE = fileURLToPath(new URL('.', import.meta.url))
const LOCK = '/tmp/netdata-cloud-tests.real-agent.lock'
const USAGE =
  'set NETDATA_CLOUD_TEST_AGENTS=PREFIX[,PREFIX…] to Netdata installs with Cloud support (CI: /opt/netdata,/opt/netdata-v1; see shared/real-agent/README.md)'

const fail = line => {
  console.error(`test:agent: ${line}`)
  process.exit(2)
}

const prefixes = (process.env.NETDATA_CLOUD_TEST_AGENTS ?? '')
  .split(',')
  .map(p => p.trim())
  .filter(p => p !== '')
if (prefixes.length === 0) fail(`NETDATA_CLOUD_TEST_AGENTS is not set: ${USAGE}`)

for (const prefix of prefixes) {
  const netdata = [join(prefix, 'usr/sbin/netdata'), join(prefix, 'bin/netdata')].find(f => existsSync(f))
  if (!netdata) fail(`${prefix}: no netdata binary in usr/sbin or bin: ${USAGE}`)
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), 'buildinfo', '--netdata', netdata, '--json'], {
    encoding: 'utf8',
    timeout: 60_000,
  })
  let support
  let reason
  try {
    const j = JSON.parse(r.stdout)
    support = j.result?.cloud?.support
    reason = j.result?.cloud?.reason ?? j.result?.cloud?.raw
  } catch {}

  if (support !== 'yes')
    fail(
      `${netdata} has no Cloud support (${reason ?? support ?? (r.stderr.trim().split('\n')[0] || 'buildinfo failed')}): ${USAGE}`,
    )
}

const args = process.argv.slice(2).filter(a => !a.startsWith('--'))
const files = (
  args.length > 0
    ? args
    : readdirSync(HERE)
        .filter(f => f.endsWith('.tier.ts'))
        .sort()
        .map(f => join('test/agent-tier', f))
).map(f => (f.startsWith('/') ? f : join(ROOT, f)))
if (files.length === 0) fail('no *.tier.ts files found')

const alive = pid => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

const lock = () => {
  const deadline = Date.now() + 20 * 60_000
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx', 0o644)
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return
    } catch {
      const holder = Number(readFileSync(LOCK, 'utf8') || 0)
      if (holder && !alive(holder)) {
        try {
          unlinkSync(LOCK)
        } catch {}

        continue
      }

      if (Date.now() > deadline) fail(`${LOCK} held by pid ${holder} for 20 min`)
      spawnSync('sleep', ['1'])
    }
  }
}

lock()
process.on('exit', () => {
  try {
    if (readFileSync(LOCK, 'utf8') === String(process.pid)) unlinkSync(LOCK)
  } catch {}
})

let failed = false
const started = Date.now()
for (const prefix of prefixes) {
  for (const file of files) {
    console.error(`# agent tier: ${prefix} ${file.slice(ROOT.length)}`)
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', file], {
      cwd: ROOT,
      env: {...process.env, NETDATA_CLOUD_TEST_AGENT: prefix},
      stdio: 'inherit',
    })
    if (r.status !== 0) failed = true
  }
}

console.error(`# agent tier: ${Math.round((Date.now() - started) / 1000)} s, ${failed ? 'FAILED' : 'passed'}`)
process.exit(failed ? 1 : 0)
