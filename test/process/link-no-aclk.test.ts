// Issue 14 items 1 and 18: `link` on a build without ACLK says so first (exit 11, the reinstall-with-Cloud fix for the
// install type) instead of walking DNS; `--force` walks anyway and says the agent cannot link.
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {runCliAsync} from '../helpers/cli.js'
import {fakeNode} from '../helpers/fake-node.js'

test("link on Debian's --disable-cloud build: exit 11 before any network step, fix names --require-cloud", async () => {
  const node = fakeNode('D-v1.37.1-debian.txt', 'v1.37.1')
  const r = await runCliAsync(['link', ...node.flags, '--agent-url', 'http://127.0.0.1:9', '--json'])
  assert.equal(r.code, 11, r.stdout + r.stderr)
  assert.equal(r.json.error.code, 'noAclk')
  assert.match(r.json.error.message, /--disable-cloud/)
  assert.match(r.json.error.fix, /kickstart\.sh --require-cloud/)
  assert.match(r.json.error.fix, /distribution package/)
  assert.doesNotMatch(r.stdout + r.stderr, /dns|api\.netdata\.cloud/i)
})

test('link --force walks anyway (loopback URL) and the settings row says the build cannot link', async () => {
  const node = fakeNode('D-v1.37.1-debian.txt', 'v1.37.1')
  const r = await runCliAsync([
    'link',
    ...node.flags,
    '--agent-url',
    'http://127.0.0.1:9',
    '--force',
    '--url',
    'https://127.0.0.1:9',
    '--json',
  ])
  const settings = r.json.result.steps.find((s: {id: string}) => s.id === 'settings')
  assert.equal(settings.status, 'WARN')
  assert.match(settings.detail, /no ACLK.*walking anyway \(--force\)/)
  assert.equal(r.code, 21, 'the walk went on to TCP (nothing listens on :9)')
})

test('status on a static build without cloud: the fix reinstalls the static build with --require-cloud', async () => {
  const node = fakeNode('E-v1.44.0-disabled.txt', 'v1.44.0')
  const r = await runCliAsync(['status', ...node.flags, '--offline', '--json'])
  assert.equal(r.code, 11)
  assert.match(JSON.stringify(r.json), /--require-cloud/)
})
