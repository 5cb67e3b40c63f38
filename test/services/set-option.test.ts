// `set cloud.<option> <value>` through the built CLI on temp config dirs, judged against saved buildinfo of each era
// (test/fixtures/buildinfo): lossless edits, idempotence (same inode and mtime), --dry-run writes nothing, keys an
// era ignores refused with exit 19 naming the era, bad values exit 18, the proxy password never shown; the
// --json result and status's cloudOptions validated against their schemas.
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, test} from 'node:test'

import {EXIT} from '../../src/base/errors.js'
import {ROOT, runCli} from '../helpers/cli.js'

const FIX = join(ROOT, 'test/fixtures/buildinfo')
const V137 = join(FIX, 'D-v1.37.1-debian.txt')
const V136 = join(FIX, 'D-v1.36.1-static.txt')
const V2 = join(FIX, 'v2-v2.11.0.txt')
const {default: Ajv} = (await import('ajv')) as any
const ajv = new Ajv({allErrors: true, strict: false})
const schema = (n: string) => ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas', `${n}.json`), 'utf8')))
const setSchema = schema('set')
const statusSchema = schema('status')

const base = mkdtempSync('/tmp/nc-set.')
after(() => rmSync(base, {force: true, recursive: true}))
let n = 0
const ORIGINAL =
  '# my comments stay\n[global]\n\trun as user = netdata\n\n[cloud]\n\t# statistics = yes\n\tproxy = env\n; not a comment = x\n'
function layout(text = ORIGINAL) {
  const d = join(base, String(n++))
  mkdirSync(join(d, 'etc'), {recursive: true})
  mkdirSync(join(d, 'lib'))
  writeFileSync(join(d, 'etc/netdata.conf'), text)
  return {conf: join(d, 'etc/netdata.conf'), dirs: ['--config-dir', join(d, 'etc'), '--lib-dir', join(d, 'lib')]}
}

const set = (dirs: string[], fixture: string, ...args: string[]) =>
  runCli(['set', ...args, '--json', '--buildinfo-file', fixture, ...dirs])

test('statistics no on v1.37: one line changes, the rest of the file is kept byte for byte; second run changed:false', () => {
  const l = layout()
  const r = set(l.dirs, V137, 'cloud.statistics', 'no')
  assert.equal(r.code, 0, r.stdout + r.stderr)
  assert.ok(setSchema(r.json.result), ajv.errorsText(setSchema.errors))
  assert.deepEqual([r.json.result.before, r.json.result.after, r.json.result.changed], [null, 'no', true])
  assert.equal(r.json.result.era, 'v1.33–v1.40')
  assert.equal(readFileSync(l.conf, 'utf8'), ORIGINAL.replace('\t# statistics = yes', '\tstatistics = no'))
  const st = statSync(l.conf)
  const again = set(l.dirs, V137, 'cloud.statistics', 'No')
  assert.equal(again.json.result.changed, false)
  assert.deepEqual([statSync(l.conf).ino, statSync(l.conf).mtimeMs], [st.ino, st.mtimeMs])
})

test('query thread count: both spellings; v2.11 writes `query threads` (its name since v2.1) and drops the old key', () => {
  const l = layout(ORIGINAL + '\tquery thread count = 2\n')
  const dash = set(l.dirs, V137, 'cloud.query-thread-count', '4')
  assert.equal(dash.json.result.key, 'query thread count')
  const spaced = set(l.dirs, V137, 'cloud.query thread count', '4')
  assert.equal(spaced.json.result.changed, false)
  const v2 = set(l.dirs, V2, 'cloud.query-thread-count', '6')
  assert.equal(v2.json.result.key, 'query threads')
  assert.equal(v2.json.result.before, '4')
  const text = readFileSync(l.conf, 'utf8')
  assert.match(text, /\tquery threads = 6\n/)
  assert.doesNotMatch(text, /query thread count/)
  assert.equal(set(l.dirs, V137, 'cloud.query-thread-count', 'lots').code, EXIT.badInput)
})

test('--dry-run: a diff, nothing written; the proxy password appears nowhere (diff, JSON, text)', () => {
  const l = layout()
  const secret = 'Canary-Proxy-Pass-8841'
  const r = set(l.dirs, V137, 'cloud.proxy', `http://alice:${secret}@127.0.0.1:3128`, '--dry-run')
  assert.equal(r.code, 0, r.stderr)
  assert.equal(readFileSync(l.conf, 'utf8'), ORIGINAL)
  assert.match(r.json.result.diff, /^\+\tproxy = http:\/\/alice:\*\*\*\*@127\.0\.0\.1:3128$/m)
  const text = runCli([
    'set',
    'cloud.proxy',
    `http://alice:${secret}@127.0.0.1:3128`,
    '--buildinfo-file',
    V137,
    ...l.dirs,
  ])
  assert.equal(text.code, 0)
  const status = runCli(['status', '--offline', '--json', ...l.dirs])
  assert.ok(statusSchema(status.json.result), ajv.errorsText(statusSchema.errors))
  for (const out of [r.stdout, r.stderr, text.stdout, text.stderr, status.stdout]) assert.ok(!out.includes(secret), out)
  assert.ok(readFileSync(l.conf, 'utf8').includes(secret), 'the file itself has it (the agent needs it)')
  assert.equal(set(l.dirs, V137, 'cloud.proxy', 'https://p:3128').code, EXIT.badInput)
})

test('keys an era does not read are refused (exit 19) naming the era; what it reads is accepted', () => {
  const l = layout()
  const scope = set(l.dirs, V137, 'cloud.scope', 'license manager')
  assert.equal(scope.code, EXIT.unsupported)
  assert.match(scope.json.error.message, /v1\.37\.1 \(v1\.33–v1\.40\) does not read .*scope.*v2\.0\+/)
  assert.equal(set(l.dirs, V137, 'cloud.mqtt5', 'yes').code, EXIT.unsupported)
  assert.equal(set(l.dirs, V136, 'cloud.mqtt5', 'yes').code, 0)
  assert.equal(set(l.dirs, V2, 'cloud.statistics', 'no').code, EXIT.unsupported)
  assert.equal(set(l.dirs, V2, 'cloud.scope', 'license manager').code, 0)
  assert.equal(set(l.dirs, V137, 'cloud.conversation-log', 'yes').code, 0)
  assert.equal(set(l.dirs, V137, 'cloud.nonsense', 'yes').code, EXIT.usage)
  assert.equal(set(l.dirs, V137, 'cloud.aclk-implementation', 'ng').code, EXIT.usage)
  assert.equal(set(l.dirs, V137, 'statistics', 'no').code, EXIT.usage)
})

test('status shows every [cloud] option with value, source and what this era does (ignored ones said)', () => {
  const l = layout(ORIGINAL + '\tstatistics = no\n\tlink cert = x\n')
  const r = runCli(['status', '--offline', '--json', ...l.dirs])
  const byKey = Object.fromEntries(r.json.result.cloudOptions.map((o: any) => [o.key, o]))
  assert.deepEqual([byKey.statistics.value, byKey.statistics.source], ['no', 'netdata.conf:9'])
  assert.equal(byKey.scope.era, 'ignored')
  assert.match(byKey.scope.note, /ignored by v1\.33–v1\.40 agents/)
  assert.equal(byKey['link cert'].era, 'ignored')
  const text = runCli(['status', '--offline', ...l.dirs]).stdout
  assert.match(text, /\[cloud\] statistics\s+no \[netdata\.conf:9\]/)
})
