// Issue 14 item 13: run as a non-root user with HOME=/root (sudo without -H): no oclif EACCES warning about
// /root/.local/share/netdata-cloud/package.json, and nothing written under HOME.
import assert from 'node:assert/strict'
import {chmodSync, mkdtempSync, readdirSync} from 'node:fs'
import {test} from 'node:test'

import {lookupUser} from '../../src/agent/accounts.js'
import {ROOT, runProcess} from '../helpers/cli.js'

const nobody = lookupUser('nobody')!
const fixture = `${ROOT}/test/fixtures/buildinfo/D-v1.40.0.txt`

test('non-root with HOME=/root: no warning on stderr, exit 0', async () => {
  const r = await runProcess(process.execPath, [`${ROOT}/bin/run.js`, 'buildinfo', '--file', fixture], {
    env: {HOME: '/root'},
    gid: nobody.gid,
    uid: nobody.uid,
  })
  assert.equal(r.code, 0, r.stderr)
  assert.doesNotMatch(r.stderr, /EACCES|Warning|\.local\/share/)
  assert.equal(r.stderr, '')
})

test('nothing is written under HOME (status, --help)', async () => {
  const home = mkdtempSync('/tmp/nc-home.')
  chmodSync(home, 0o777)
  for (const args of [['status', '--offline', '--json'], ['--help'], ['buildinfo', '--file', fixture]])
    await runProcess(process.execPath, [`${ROOT}/bin/run.js`, ...args], {
      env: {HOME: home},
      gid: nobody.gid,
      uid: nobody.uid,
    })
  assert.deepEqual(readdirSync(home), [])
})
