// What users of an oclif CLI expect, on the built bundle: help three ways (@oclif/plugin-help), "did you mean" for an
// unknown command (src/cli/not-found.ts, @oclif/plugin-not-found at a terminal) with --json giving the JSON error
// document, bash completion (@oclif/plugin-autocomplete) driven through bash's own completion variables, --quiet, and
// the --verbose / DEBUG=netdata-cloud:* support log.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {createServer} from 'node:http'
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import {after, describe, test} from 'node:test'

import {EXIT} from '../../src/base/errors.js'
import {ROOT, runCli, runCliAsync} from '../helpers/cli.js'

const FIXTURE = join(ROOT, 'test/fixtures/buildinfo/D-v1.37.1-debian.txt')
const tmp = mkdtempSync('/tmp/nc-conventions.')
after(() => rmSync(tmp, {force: true, recursive: true}))

describe('help', () => {
  test('`help`, `-h` and `--help` print the same command list', () => {
    const runs = [['help'], ['-h'], ['--help']].map(a => runCli(a))
    for (const r of runs) assert.equal(r.code, 0, r.stderr)
    assert.equal(runs[1].stdout, runs[0].stdout)
    assert.equal(runs[2].stdout, runs[0].stdout)
    for (const id of ['status', 'buildinfo', 'claim', 'link', 'help', 'autocomplete'])
      assert.match(runs[0].stdout, new RegExp(`^  ${id} `, 'm'), id)
  })

  test('`help status`, `status -h` and `status --help` print the command help', () => {
    const runs = [
      ['help', 'status'],
      ['status', '-h'],
      ['status', '--help'],
    ].map(a => runCli(a))
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /\$ netdata-cloud status/)
      assert.match(r.stdout, /--offline/)
    }

    assert.equal(runs[1].stdout, runs[0].stdout)
    assert.equal(runs[2].stdout, runs[0].stdout)
  })
})

describe('an unknown command', () => {
  test('names the closest command in one line, exit usage', () => {
    for (const [typed, meant] of [
      ['statu', 'status'],
      ['enabel', 'enable'],
      ['diagnos', 'diagnose'],
    ]) {
      const r = runCli([typed])
      assert.equal(r.code, EXIT.usage, r.stderr)
      assert.equal(r.stdout, '')
      assert.equal(
        r.stderr,
        `netdata-cloud: "${typed}" is not a netdata-cloud command; did you mean "${meant}"? (netdata-cloud help lists the commands)\n`,
      )
    }
  })

  test('suggests nothing when nothing is close', () => {
    const r = runCli(['xyzzy'])
    assert.equal(r.code, EXIT.usage)
    assert.doesNotMatch(r.stderr, /did you mean/)
  })

  test('with --json: the one JSON error document (schemas/envelope.json) and nothing on stderr', async () => {
    const r = runCli(['statu', '--json'])
    assert.equal(r.code, EXIT.usage)
    assert.equal(r.stderr, '')
    const {default: Ajv} = (await import('ajv')) as any
    const envelope = new Ajv({strict: false}).compile(
      JSON.parse(readFileSync(join(ROOT, 'schemas/envelope.json'), 'utf8')),
    )
    assert.ok(envelope(r.json), JSON.stringify(envelope.errors))
    assert.deepEqual(r.json, {
      command: 'statu',
      error: {
        code: 'usage',
        message:
          '"statu" is not a netdata-cloud command; did you mean "status"? (netdata-cloud help lists the commands)',
        suggestion: 'status',
      },
      ok: false,
      result: null,
      warnings: [],
    })
  })

  test('at a terminal, plugin-not-found asks "Did you mean status?" and runs it when confirmed', () => {
    // script(1) gives the CLI a terminal; the answer comes from stdin through it
    const r = spawnSync('script', ['-qec', `${process.execPath} ${ROOT}/bin/run.js statu --offline`, '/dev/null'], {
      encoding: 'utf8',
      env: {...process.env, NETDATA_CLOUD_PREFIX: tmp, NO_COLOR: '1'},
      input: 'y\r',
      timeout: 30_000,
    })
    assert.match(r.stdout, /statu is not a netdata-cloud command/)
    assert.match(r.stdout, /Did you mean status\?/)
    assert.match(r.stdout, /no netdata/i, 'status ran (and found no agent in the empty prefix)')
  })
})

test('bash completion: the script from `autocomplete script bash` completes a command and a flag', () => {
  const cache = join(tmp, 'cache')
  const env = {HOME: tmp, PATH: process.env.PATH, XDG_CACHE_HOME: cache}
  const made = runCli(['autocomplete', 'bash'], {env})
  assert.equal(made.code, 0, made.stderr)
  const complete = (words: string[]) =>
    `COMP_WORDS=(${words.map(w => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; ` +
    '_netdata-cloud_autocomplete; echo "[$' +
    '{COMPREPLY[*]}]"'
  const script = [
    `eval "$(${process.execPath} ${ROOT}/bin/run.js autocomplete script bash)"`,
    'complete -p netdata-cloud',
    complete(['netdata-cloud', 'sta']),
    complete(['netdata-cloud', 'status', '--off']),
    complete(['netdata-cloud', 'unclaim', '--rot']),
    complete(['netdata-cloud', 'imp']),
  ].join('\n')
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {encoding: 'utf8', env})
  assert.equal(r.status, 0, r.stderr)
  assert.deepEqual(r.stdout.trim().split('\n'), [
    'complete -F _netdata-cloud_autocomplete netdata-cloud',
    '[status]',
    '[--offline]',
    '[--rotate-key]',
    '[implementation]',
  ])
})

describe('--quiet', () => {
  test('prints nothing on success; the exit status tells', () => {
    const loud = runCli(['buildinfo', '--file', FIXTURE])
    assert.notEqual(loud.stdout, '')
    const r = runCli(['buildinfo', '--file', FIXTURE, '--quiet'])
    assert.equal(r.code, loud.code)
    assert.equal(r.stdout, '')
    assert.equal(r.stderr, '')
  })

  test('still prints errors, and --json still prints its document', () => {
    const r = runCli(['buildinfo', '--file', join(tmp, 'missing.txt'), '--quiet'])
    assert.notEqual(r.code, 0)
    assert.match(r.stderr, /missing\.txt/)
    const j = runCli(['buildinfo', '--file', FIXTURE, '--quiet', '--json'])
    assert.equal(j.json?.ok, true)
  })
})

describe('--verbose and DEBUG=netdata-cloud:*', () => {
  const LINE = /^netdata-cloud:(read|run|request) \+\d+ms .+ \(\d+\.\d ms\)$/
  test('each file read, with its size and time, on stderr; stdout is unchanged', () => {
    const plain = runCli(['buildinfo', '--file', FIXTURE])
    for (const r of [
      runCli(['buildinfo', '--file', FIXTURE, '--verbose']),
      runCli(['buildinfo', '--file', FIXTURE], {env: {DEBUG: 'netdata-cloud:*'}}),
    ]) {
      assert.equal(r.stdout, plain.stdout)
      const lines = r.stderr.trim().split('\n')
      for (const l of lines) assert.match(l, LINE)
      assert.ok(
        lines.some(l => l.startsWith('netdata-cloud:read ') && l.includes(`${FIXTURE}: 2141 bytes`)),
        r.stderr,
      )
    }

    assert.equal(plain.stderr, '', 'nothing without --verbose')
  })

  test('each command run (argv quoted) and each request sent, with the outcome', async () => {
    const netdata = join(tmp, 'netdata')
    writeFileSync(netdata, `#!/bin/sh\ncat ${FIXTURE}\n`)
    chmodSync(netdata, 0o755)
    const server = createServer((_req, res) => res.writeHead(404).end('no'))
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const {port} = server.address() as AddressInfo
    try {
      const r = await runCliAsync([
        'status',
        '--verbose',
        '--prefix',
        tmp,
        '--netdata',
        netdata,
        '--agent-url',
        `http://127.0.0.1:${port}`,
      ])
      assert.match(r.stderr, new RegExp(`^netdata-cloud:run \\+\\d+ms ${netdata} -W buildinfo → exit 0 \\(`, 'm'))
      assert.match(
        r.stderr,
        new RegExp(`^netdata-cloud:request .*GET http://127.0.0.1:${port}/api/v1/info → .*404`, 'm'),
      )
    } finally {
      server.close()
    }
  })

  test('the link walk logs its HTTPS requests to the (emulated) Cloud', () => {
    const r = runCli(['link', '--emulator', '--json', '--verbose'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.json?.ok, true)
    assert.match(
      r.stderr,
      /^netdata-cloud:request \+\d+ms GET https:\/\/localhost\/api\/v1\/env\?.* → HTTP\/1.1 200 OK/m,
    )
    assert.match(
      r.stderr,
      /^netdata-cloud:request .*POST https:\/\/localhost\/api\/v1\/auth\/node\/.*\/password → HTTP/m,
    )
  })
})
