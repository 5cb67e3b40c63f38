// Bad input gets one line naming the thing, a distinct exit code, and no stack trace.
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {chmodSync, chownSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, test} from 'node:test'

import {lookupUser} from '../../src/agent/accounts.js'
import {EXIT} from '../../src/base/errors.js'
import {runCli} from '../helpers/cli.js'

const noStack = (s: string) => assert.doesNotMatch(s, /\n\s+at .*\(/, 'no stack trace')

function configDirWith(netdataConf: 'binary' | 'directory' | 'unreadable'): string {
  const dir = mkdtempSync('/tmp/nc-bad.')
  const path = join(dir, 'netdata.conf')
  if (netdataConf === 'directory') mkdirSync(path)
  if (netdataConf === 'binary') writeFileSync(path, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff, 0xfe]))
  if (netdataConf === 'unreadable') {
    writeFileSync(path, '[global]\n\trun as user = netdata\n', {mode: 0o600})
    chmodSync(dir, 0o755)
  }

  return dir
}

describe('bad input: one line, its own exit code', () => {
  const rows: [string, () => string[], number, RegExp][] = [
    [
      'no agent at all (empty prefix)',
      () => ['status', '--prefix', mkdtempSync('/tmp/nc-empty.')],
      EXIT.noAgent,
      /no Netdata Agent found/,
    ],
    [
      'no agent at all: buildinfo too',
      () => ['buildinfo', '--prefix', mkdtempSync('/tmp/nc-empty.')],
      EXIT.noAgent,
      /no Netdata Agent found/,
    ],
    [
      'garbage buildinfo file',
      () => {
        const f = join(mkdtempSync('/tmp/nc-bi.'), 'ticket.txt')
        writeFileSync(f, 'Hello, my agent is broken\nplease help\n')
        return ['buildinfo', '--file', f]
      },
      EXIT.badInput,
      /ticket\.txt: unknown buildinfo format \(first line: "Hello, my agent is broken"\)/,
    ],
    [
      'binary file as buildinfo',
      () => ['buildinfo', '--file', '/usr/sbin/netdata'],
      EXIT.badInput, // an input file, not one of the agent's config files (issue 14 item 6)
      /\/usr\/sbin\/netdata: (too large|not UTF-8|contains NUL)/,
    ],
    [
      'missing buildinfo file',
      () => ['buildinfo', '--file', '/nonexistent/bi.txt'],
      EXIT.badInput,
      /\/nonexistent\/bi\.txt: no such file/,
    ],
    [
      'a directory as netdata.conf',
      () => ['status', '--offline', '--config-dir', configDirWith('directory')],
      EXIT.invalidConfig,
      /netdata\.conf: is a directory/,
    ],
    [
      'a binary file as netdata.conf',
      () => ['status', '--offline', '--config-dir', configDirWith('binary')],
      EXIT.invalidConfig,
      /netdata\.conf: not UTF-8 text|contains NUL/,
    ],
    [
      'a wrong --agent-url',
      () => ['status', '--agent-url', 'ftp://x'],
      EXIT.badInput,
      /--agent-url ftp:\/\/x: not an http/,
    ],
    ['an unknown flag', () => ['status', '--frobnicate'], EXIT.usage, /Nonexistent flag: --frobnicate/],
    [
      '--netdata that is not there',
      () => ['buildinfo', '--netdata', '/nope/netdata'],
      EXIT.badInput,
      /--netdata \/nope\/netdata: no executable/,
    ],
  ]
  for (const [name, args, code, message] of rows) {
    test(name, () => {
      const r = runCli(args())
      assert.equal(r.code, code, r.stdout + r.stderr)
      assert.match(r.stderr, message)
      assert.equal(r.stderr.split('\n').filter(l => l.startsWith('netdata-cloud:')).length, 1)
      noStack(r.stderr)
    })
  }

  test('the same errors in --json: the envelope with error.code, nothing else on stdout', () => {
    const r = runCli(['status', '--json', '--prefix', mkdtempSync('/tmp/nc-empty.')])
    assert.equal(r.code, EXIT.noAgent)
    assert.equal(r.json.ok, false)
    assert.equal(r.json.error.code, 'noAgent')
    assert.equal(r.json.command, 'status')
    assert.match(r.json.error.fix, /--prefix/)
  })

  test('an unreadable netdata.conf (as a non-root user) is a permission error naming the file', () => {
    const dir = configDirWith('unreadable')
    const nobody = lookupUser('nobody')!
    chownSync(dir, 0, 0)
    const r = runCli(['status', '--offline', '--config-dir', dir], {env: {}})
    assert.equal(r.code, EXIT.noAclk, 'as root it is readable')
    const asNobody = spawnSync(
      'setpriv',
      [
        `--reuid=${nobody.uid}`,
        `--regid=${nobody.gid}`,
        '--clear-groups',
        process.execPath,
        'bin/run.js',
        'status',
        '--offline',
        '--config-dir',
        dir,
      ],
      {encoding: 'utf8', env: {NO_COLOR: '1', PATH: process.env.PATH}},
    )
    assert.equal(asNobody.status, EXIT.permission, asNobody.stderr)
    assert.match(asNobody.stderr, new RegExp(`${dir}/netdata.conf: permission denied`))
  })
})
