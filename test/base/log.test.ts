// The support log (src/base/log.ts) at its chokepoints: what each line says, and that secrets never reach it.
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, test} from 'node:test'

import {runBinary} from '../../src/agent/run-binary.js'
import {debugAsksForLog, logging, setLogSink} from '../../src/base/log.js'
import {registerSecret} from '../../src/base/secrets.js'
import {httpsRequest} from '../../src/cloud/http.js'
import {readTextFile} from '../../src/config/read.js'

let lines: string[] = []
const collect = () => {
  lines = []
  setLogSink(l => lines.push(l))
}

afterEach(() => setLogSink(undefined))

test('off without a sink: nothing is measured or written', async () => {
  assert.equal(logging(), false)
  await runBinary('/bin/true', [])
  assert.deepEqual(lines, [])
})

test('DEBUG is read the way the debug package reads it', () => {
  for (const yes of ['netdata-cloud:*', 'netdata-cloud', '*', 'oclif:*,netdata-cloud:*', 'netdata-cloud:run'])
    assert.equal(debugAsksForLog(yes), true, yes)
  for (const no of [undefined, '', 'oclif:*', 'netdata-cloudy', 'netdata-cloud:other'])
    assert.equal(debugAsksForLog(no), false, String(no))
})

test('a command run: argv quoted for a shell, exit status, time; stdin and registered secrets never shown', async () => {
  collect()
  const secret = 'claim-token-5f3e9a7c1b2d'
  registerSecret(secret)
  await runBinary('/bin/echo', ['read-config', 'cloud|global|enabled', secret])
  await runBinary('/bin/cat', [], {input: `token=${secret}\n`})
  await runBinary('/bin/false', [])
  assert.equal(lines.length, 3)
  assert.match(
    lines[0],
    /^netdata-cloud:run \+\d+ms \/bin\/echo read-config cloud\|global\|enabled \*\*\*\*1b2d → exit 0 \(\d+\.\d ms\)$/,
  )
  assert.match(lines[1], /^netdata-cloud:run \+\d+ms \/bin\/cat \(stdin: 31 characters, not logged\) → exit 0 /)
  assert.match(lines[2], /\/bin\/false → exit 1 /)
  for (const l of lines) assert.ok(!l.includes(secret), l)
})

test('a file read: size or absence, with time', () => {
  collect()
  const dir = mkdtempSync('/tmp/nc-log.')
  try {
    writeFileSync(join(dir, 'cloud.conf'), '[global]\n  enabled = yes\n')
    readTextFile(join(dir, 'cloud.conf'))
    readTextFile(join(dir, 'missing.conf'))
    assert.match(lines[0], new RegExp(`^netdata-cloud:read \\+\\d+ms ${dir}/cloud.conf: 25 bytes \\(\\d+\\.\\d ms\\)$`))
    assert.match(lines[1], new RegExp(`^netdata-cloud:read \\+\\d+ms ${dir}/missing.conf: not there `))
  } finally {
    rmSync(dir, {force: true, recursive: true})
  }
})

test('a request: method, URL, proxy without its password, and the failure', async () => {
  collect()
  await assert.rejects(
    httpsRequest(
      {method: 'GET', url: 'https://nc.invalid/api/v1/env'},
      {proxy: 'http://user:proxy-pass-7788@127.0.0.1:1', timeoutMs: 2000},
    ),
  )
  assert.equal(lines.length, 1)
  assert.match(
    lines[0],
    /^netdata-cloud:request \+\d+ms GET https:\/\/nc\.invalid\/api\/v1\/env via proxy http:\/\/user:\*\*\*\*@127\.0\.0\.1:1 → .+ \(\d+\.\d ms\)$/,
  )
  assert.ok(!lines[0].includes('proxy-pass-7788'))
})
