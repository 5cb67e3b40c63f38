// toggleCloud (enable / disable) in-process on temp config and lib dirs, judged against saved buildinfo of each era
// (test/fixtures/buildinfo). Unit tier: fixture accounts (test/helpers/accounts.ts) make the agent's user netdata the
// running user, so the owner of what it creates is checked without root; the CLI as a process (flags, exit codes,
// JSON) is tested in test/process/toggle.test.ts.
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, test} from 'node:test'

import {discoverInstall} from '../../src/agent/install.js'
import {UserError} from '../../src/base/errors.js'
import {toggleCloud} from '../../src/services/toggle-cloud.js'
import {ME, NETDATA_IS_ME, useAccounts, writeAccounts} from '../helpers/accounts.js'

const FIX = new URL('../fixtures/buildinfo/', import.meta.url).pathname
const accounts = useAccounts(NETDATA_IS_ME)
const base = mkdtempSync(join(tmpdir(), 'nc-toggle-unit.'))
after(() => rmSync(base, {force: true, recursive: true}))

let n = 0
function layout() {
  const d = join(base, String(n++))
  mkdirSync(join(d, 'etc'), {recursive: true})
  mkdirSync(join(d, 'lib'))
  writeFileSync(join(d, 'etc/netdata.conf'), '[global]\n\trun as user = netdata\n')
  const install = discoverInstall({configDir: join(d, 'etc'), env: {}, libDir: join(d, 'lib'), prefix: d})
  return {conf: join(d, 'lib/cloud.d/cloud.conf'), install, lib: join(d, 'lib')}
}

test('enable on v1.42 creates cloud.d and cloud.conf (0770) owned by the agent user, then changes nothing', async () => {
  const l = layout()
  const r = await toggleCloud(l.install, {action: 'enable', buildinfoFile: join(FIX, 'E-v1.42.0.txt')})
  assert.deepEqual([r.changed, r.created, r.before, r.after, r.effectiveAfter], [true, true, null, 'yes', 'on'])
  assert.equal(r.file, l.conf)
  assert.equal(readFileSync(l.conf, 'utf8'), '[global]\n\tenabled = yes\n')
  for (const p of [l.conf, join(l.lib, 'cloud.d')]) {
    const st = statSync(p)
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [ME.uid, ME.gid, 0o770], p)
  }

  assert.deepEqual(r.warnings, [])
  const again = await toggleCloud(l.install, {action: 'enable', buildinfoFile: join(FIX, 'E-v1.42.0.txt')})
  assert.deepEqual([again.changed, again.restart], [false, 'not-needed'])
})

test('the agent user missing from passwd: the change is made, with a warning that the owner is the running user', async () => {
  const l = layout()
  const none = writeAccounts({root: [0, 0]})
  Object.assign(process.env, none.env)
  try {
    const r = await toggleCloud(l.install, {action: 'disable', buildinfoFile: join(FIX, 'D-v1.40.0.txt')})
    assert.equal(r.changed, true)
    assert.match(r.warnings.map(w => w.message).join('\n'), /the agent's user netdata does not exist here/)
    assert.equal(readFileSync(l.conf, 'utf8'), '[global]\n\tenabled = no\n')
  } finally {
    Object.assign(process.env, {NETDATA_CLOUD_GROUP: accounts.group, NETDATA_CLOUD_PASSWD: accounts.passwd})
  }
})

test('refusals: v2 does not read enabled; a build without ACLK is not enabled without --force; --auto only v1.41+', async () => {
  const refusal = async (options: Parameters<typeof toggleCloud>[1]) => {
    const l = layout()
    const error = await toggleCloud(l.install, options).then(
      () => null,
      (error_: unknown) => error_,
    )
    assert.ok(error instanceof UserError, String(error))
    assert.throws(() => statSync(join(l.lib, 'cloud.d')), /ENOENT/, 'a refusal writes nothing')
    return error.code
  }

  assert.equal(await refusal({action: 'enable', buildinfoFile: join(FIX, 'v2-v2.11.0.txt')}), 'unsupported')
  assert.equal(await refusal({action: 'enable', buildinfoFile: join(FIX, 'D-v1.37.1-debian.txt')}), 'noAclk')
  assert.equal(await refusal({action: 'enable', auto: true, buildinfoFile: join(FIX, 'D-v1.40.0.txt')}), 'unsupported')
})

test('--dry-run returns the diff and writes nothing', async () => {
  const l = layout()
  const r = await toggleCloud(l.install, {action: 'enable', buildinfoFile: join(FIX, 'E-v1.42.0.txt'), dryRun: true})
  assert.equal(r.dryRun, true)
  assert.match(r.diff ?? '', /^\+\tenabled = yes$/m)
  assert.throws(() => statSync(join(l.lib, 'cloud.d')), /ENOENT/)
})
