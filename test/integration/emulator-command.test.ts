// `netdata-cloud emulator` as a user runs it: the built CLI in the foreground, stopped by a signal to its pid.
import assert from 'node:assert/strict'
import {type ChildProcess, spawn} from 'node:child_process'
import {once} from 'node:events'
import {existsSync, readFileSync, rmSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {ROOT, runCli} from '../helpers/cli.js'
import {curl, json} from '../emulator/clients.js'
import {cli, makeLayout, V1} from './claim-env.js'

interface Running {
  child: ChildProcess
  firstLine: string
  stdout: () => string
  stderr: () => string
}

async function startCli(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [`${ROOT}/bin/run.js`, 'emulator', ...args], {
    env: {...process.env, NO_COLOR: '1'},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr!.on('data', d => {
    err += d
  })
  const firstLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no output in 10 s; stderr: ${err}`)), 10_000)
    child.stdout!.on('data', d => {
      out += d
      if (out.includes('\n')) {
        clearTimeout(timer)
        resolve(out.slice(0, out.indexOf('\n')))
      }
    })
    child.on('exit', () => reject(new Error(`exited early: ${err}`)))
  })
  return {
    child,
    firstLine,
    stderr: () => err,
    stdout: () => out,
  }
}

async function stop(run: Running, signal: NodeJS.Signals): Promise<number | null> {
  const exited = once(run.child, 'exit')
  process.kill(run.child.pid!, signal)
  const [code] = await exited
  return code as number | null
}

describe('netdata-cloud emulator (the command)', () => {
  test('--json: an envelope line with url, CA path, token and room; serves curl; SIGTERM ends it with 0', async () => {
    const t = performance.now()
    const run = await startCli(['--json', '--port', '0', '--fault', 'env-no-mqttv5'])
    const startMs = performance.now() - t
    try {
      const doc = JSON.parse(run.firstLine)
      assert.equal(doc.ok, true)
      assert.equal(doc.command, 'emulator')
      const {caPath, faults, rooms, tokenFile, url} = doc.result
      assert.match(url, /^https:\/\/localhost:\d+$/)
      assert.equal(doc.result.tokens, undefined)
      assert.equal(statSync(tokenFile).mode & 0o777, 0o600)
      const token = readFileSync(tokenFile, 'utf8').trim()
      assert.ok(token.length >= 32, 'a random token in the file')
      assert.ok(!run.firstLine.includes(token), 'the token is not in the JSON')
      assert.equal(rooms.length, 1)
      assert.deepEqual(faults, ['env-no-mqttv5'])
      const env = await curl({caPath}, [
        `${url}/api/v1/env?v=2.11.0&cap=proto,ctx&claim_id=0d5b3bd6-7e53-4c1b-9a59-b0e3e1f0e5a1`,
      ])
      assert.equal(env.status, 200)
      assert.deepEqual(
        json(env).transports.map((x: any) => x.type),
        ['MQTTv3'],
      )
      console.log(`emulator command: first JSON line after ${startMs.toFixed(0)} ms`)
    } finally {
      assert.equal(await stop(run, 'SIGTERM'), 0)
    }

    // JSON lines: the envelope at start, one line per node event, the summary of every node at exit
    const lines = run
      .stdout()
      .trim()
      .split('\n')
      .map(l => JSON.parse(l))
    assert.equal(lines[0].command, 'emulator')
    assert.equal(lines.at(-1).event, 'summary')
    assert.deepEqual(lines.at(-1).nodes, [], 'no node was claimed')
    assert.ok(!existsSync(JSON.parse(run.firstLine).result.tokenFile), 'the temp dir with the token is removed at exit')
    assert.match(run.stderr(), /GET \/api\/v1\/env\?v=2\.11\.0\S* → 200/)
  })

  test('text: a banner with the token masked and how to trust and point an agent; SIGINT ends it with 0', async () => {
    const run = await startCli(['--token', 'my-test-token-123456', '--room', '4b4e6b1c-3c2a-4a43-9d5e-6a0b3f6c1d2e'])
    await new Promise(resolve => {
      setTimeout(resolve, 300)
    })
    assert.equal(await stop(run, 'SIGINT'), 0)
    const out = run.stdout()
    assert.match(run.firstLine, /^Netdata Cloud emulator listening on https:\/\/localhost:\d+/)
    assert.ok(!out.includes('my-test-token-123456'), out)
    assert.match(out, /claim token {5}in \S+\/token \(0600/)
    assert.match(
      out,
      /netdata-cloud claim --url https:\/\/localhost:\d+ --ca \S+ca\.pem --token-file \S+\/token --rooms 4b4e6b1c-/,
    )
    assert.match(out, /SSL_CERT_FILE=\S+ca\.pem/)
    assert.match(out, /cloud base url = https:\/\/localhost:\d+/)
    assert.match(out, /url = https:\/\/localhost:\d+/)
    assert.match(out, /--ca \S+ca\.pem/)
  })

  test('a node claims against the running emulator with the token file it printed (another process, --ca)', async () => {
    const run = await startCli(['--json'])
    const l = makeLayout('unused')
    try {
      const {caPath, tokenFile, url} = JSON.parse(run.firstLine).result
      const r = await cli([
        'claim',
        ...l.flags,
        '--buildinfo-file',
        V1,
        '--url',
        url,
        '--ca',
        caPath,
        '--token-file',
        tokenFile,
        '--no-reload',
        '--json',
      ])
      assert.equal(r.code, 0, r.stdout + r.stderr)
      assert.equal(readFileSync(join(l.cloudDir, 'claimed_id'), 'utf8'), r.json.result.claimId)
      assert.match(run.stderr(), /PUT \/api\/v1\/spaces\/nodes\/\S+ → 204/)
    } finally {
      assert.equal(await stop(run, 'SIGTERM'), 0)
      rmSync(l.dir, {force: true, recursive: true})
    }
  })

  test('an unknown fault: one line, exit 18 (badInput), with the syntax', () => {
    const r = runCli(['emulator', '--fault', 'nope'])
    assert.equal(r.code, 18, r.stderr)
    assert.match(r.stderr, /unknown fault "nope"/)
    assert.match(r.stderr, /NAME\[:NUMBER]\[@ENDPOINT]/)
    const j = runCli(['emulator', '--json', '--fault', 'slow'])
    assert.equal(j.json.ok, false)
    assert.equal(j.json.error.code, 'badInput')
  })
})
