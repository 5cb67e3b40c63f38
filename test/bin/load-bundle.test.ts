// bin/load-bundle.js userCacheDir: where Node's compile cache may go (Node >= 22.1), in-process on temp trees. The
// owner checks take the uid to compare with, so "a user whose HOME belongs to someone else" needs no second account.
import assert from 'node:assert/strict'
import {chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {test} from 'node:test'

// @ts-expect-error: plain JavaScript, no types
import {userCacheDir} from '../../bin/load-bundle.js'

const me = process.geteuid?.() ?? 0
const temp = () => mkdtempSync(join(tmpdir(), 'nc-cache-dir.'))

test('~/.cache/netdata-cloud is made (0700) when HOME is the running user’s; XDG_CACHE_HOME wins when absolute', () => {
  const home = temp()
  try {
    assert.equal(userCacheDir({HOME: home}, me), join(home, '.cache/netdata-cloud'))
    assert.equal(statSync(join(home, '.cache/netdata-cloud')).mode & 0o777, 0o700)
    assert.equal(userCacheDir({HOME: home}, me), join(home, '.cache/netdata-cloud'), 'and found again')

    const xdg = join(home, 'xdg')
    mkdirSync(xdg)
    assert.equal(userCacheDir({HOME: home, XDG_CACHE_HOME: xdg}, me), join(xdg, 'netdata-cloud'))
    // a relative XDG_CACHE_HOME is ignored (the XDG spec), and so is a relative HOME
    assert.equal(userCacheDir({HOME: home, XDG_CACHE_HOME: 'rel/cache'}, me), join(home, '.cache/netdata-cloud'))
    assert.equal(userCacheDir({HOME: 'rel'}, me), undefined)
    assert.equal(userCacheDir({}, me), undefined)
  } finally {
    rmSync(home, {force: true, recursive: true})
  }
})

test('no cache, and nothing made, where HOME or XDG_CACHE_HOME belongs to another user (a user with HOME=/root)', () => {
  const home = temp()
  try {
    // the directory is this process's; a run as another uid must not write there
    assert.equal(userCacheDir({HOME: home}, me + 1), undefined)
    assert.equal(userCacheDir({HOME: home, XDG_CACHE_HOME: home}, me + 1), undefined)
    assert.ok(!existsSync(join(home, '.cache')), 'made a directory in another user’s HOME')
    assert.equal(userCacheDir({HOME: join(home, 'missing')}, me), undefined, 'a HOME that does not exist')
  } finally {
    rmSync(home, {force: true, recursive: true})
  }
})

test('no cache where a directory below HOME belongs to another user (root with HOME kept by sudo)', () => {
  const home = temp()
  try {
    // ~/.cache of another owner: as root, chown it; as anyone else, a link to / (root's) does the same
    if (me === 0) {
      mkdirSync(join(home, '.cache'))
      chownSync(join(home, '.cache'), 65_534, 65_534)
    } else symlinkSync('/', join(home, '.cache'))
    assert.equal(userCacheDir({HOME: home}, me), undefined)
    assert.ok(!existsSync(join(home, '.cache/netdata-cloud')))
  } finally {
    rmSync(home, {force: true, recursive: true})
  }
})
