// Issue 14 item 15: a fresh clone tests with the repository alone. No test, helper or bench names a path outside
// the repo (the old helpers read ../shared), every fixture a test names exists under test/fixtures, and every
// relative link or path the README gives is a file of the repo.
import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'
import {test} from 'node:test'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {ROOT} from '../helpers/cli.js'

function files(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e)
    if (e === 'fixtures' || e === 'node_modules') continue
    if (statSync(p).isDirectory()) files(p, out)
    else if (/\.(ts|mjs|js)$/.test(e)) out.push(p)
  }

  return out
}

test('no test, helper or bench reads a path outside the repository', () => {
  const offenders: string[] = []
  for (const f of [...files(join(ROOT, 'test')), ...files(join(ROOT, 'bench'))]) {
    const text = readFileSync(f, 'utf8')
    const lines = text.split('\n')
    for (const [i, line] of lines.entries()) {
      if (line.trimStart().startsWith('//') || line.trimStart().startsWith('*')) continue
      // URLs/paths that climb out of the repo, or name the session's shared notes
      if (/['"`](\.\.\/)*\.\.\/shared\b|\/work\/shared|new URL\('(\.\.\/){3,}/.test(line))
        offenders.push(`${relative(ROOT, f)}:${i + 1}: ${line.trim()}`)
      for (const m of line.matchAll(/new URL\('([^']+)', import\.meta\.url\)/g)) {
        const target = fileURLToPath(new URL(m[1], pathToFileURL(f)))
        if (!`${target}/`.startsWith(ROOT.replace(/\/?$/, '/')))
          offenders.push(`${relative(ROOT, f)}:${i + 1}: ${m[1]} is outside the repo`)
      }
    }
  }

  assert.deepEqual(offenders, [])
})

test('the configs the daemon and agent helpers fill in are in test/fixtures', () => {
  for (const f of [
    'proxies/tinyproxy.conf',
    'proxies/tinyproxy-auth.conf',
    'proxies/danted.conf',
    'proxies/danted-auth.conf',
    'proxies/README.md',
    'netdata-1.37.1-debian/test-agent.conf',
    'netdata-1.37.1-debian/netdata.conf',
    'netdata-1.37.1-debian/README.md',
  ])
    assert.ok(existsSync(join(ROOT, 'test/fixtures', f)), f)
})

test('the README links and names only files that are in the repository', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const missing: string[] = []
  for (const m of readme.matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)) {
    const target = m[1]
    if (/^[a-z]+:/.test(target)) continue
    if (!existsSync(join(ROOT, target))) missing.push(target)
  }

  // paths written as code that point at the session's notes outside the repo
  for (const m of readme.matchAll(/`((\.\.\/)+|\/work\/)?shared\/[^`]+`/g)) missing.push(m[0])
  assert.deepEqual(missing, [])
})
