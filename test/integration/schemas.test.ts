// Real --json output, validated against the committed JSON Schemas (schemas/), so the interface never drifts silently.
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {withAgent} from '../helpers/agent.js'
import {ROOT, runCli} from '../helpers/cli.js'

const {default: Ajv} = (await import('ajv')) as any
const ajv = new Ajv({allErrors: true, strict: false})
const schema = (name: string) => JSON.parse(readFileSync(join(ROOT, 'schemas', `${name}.json`), 'utf8'))
const envelope = ajv.compile(schema('envelope'))

function check(name: string, out: any): void {
  assert.ok(envelope(out), `envelope: ${ajv.errorsText(envelope.errors)}`)
  const validate = ajv.getSchema(`netdata-cloud/${name}.json`) ?? ajv.compile(schema(name))
  assert.ok(validate(out.result), `${name}: ${ajv.errorsText(validate.errors)}`)
}

test('buildinfo --json, real binary and every era fixture, matches schemas/buildinfo.json', () => {
  check('buildinfo', runCli(['buildinfo', '--json']).json)
  for (const f of readdirSync(join(ROOT, 'test/fixtures/buildinfo')).filter(n => n !== 'README.md')) {
    check('buildinfo', runCli(['buildinfo', '--json', '--file', join(ROOT, 'test/fixtures/buildinfo', f)]).json)
  }
})

test('status --json and metadata --json against the real agent match their schemas', async () => {
  await withAgent(async agent => {
    check('status', runCli(['status', '--json', '--agent-url', agent.url]).json)
    check('status', runCli(['status', '--json', '--offline']).json)
    check('metadata', runCli(['metadata', '--json', '--agent-url', agent.url]).json)
  })
})

test('an error envelope matches schemas/envelope.json', () => {
  const out = runCli(['status', '--json', '--prefix', '/nonexistent']).json
  assert.ok(envelope(out), ajv.errorsText(envelope.errors))
  assert.equal(out.error.code, 'badInput')
})

test('enable/disable, implementation (show and switch) and link --json match their schemas', async () => {
  const {mkdirSync, mkdtempSync} = await import('node:fs')
  const dirs = () => {
    const d = mkdtempSync('/tmp/nc-schema.')
    mkdirSync(join(d, 'etc'))
    mkdirSync(join(d, 'lib'))
    return ['--config-dir', join(d, 'etc'), '--lib-dir', join(d, 'lib')]
  }

  const fixture = (name: string) => ['--buildinfo-file', join(ROOT, 'test/fixtures/buildinfo', name)]
  const on = dirs()
  check('toggle', runCli(['enable', '--json', ...fixture('D-v1.40.0.txt'), ...on]).json)
  check('toggle', runCli(['disable', '--json', '--dry-run', ...fixture('D-v1.40.0.txt'), ...on]).json)
  check('toggle', runCli(['enable', '--json', '--auto', ...fixture('E-v1.42.0.txt'), ...dirs()]).json)
  check('implementation', runCli(['implementation', '--json']).json)
  check(
    'implementation',
    runCli(['implementation', 'legacy', '--json', ...fixture('C-v1.32.1-both.txt'), ...dirs()]).json,
  )
  const {runCliAsync} = await import('../helpers/cli.js')
  const link = await runCliAsync(['link', '--emulator', '--json'])
  assert.equal(link.code, 0, link.stderr)
  check('link', link.json)
  const failing = await runCliAsync(['link', '--emulator', '--json', '--fault', 'no-upgrade'])
  assert.equal(failing.json.ok, false)
  check('link', failing.json)
})

test('emulator --json: the one document it prints when listening matches schemas/emulator.json', async () => {
  const {spawn} = await import('node:child_process')
  const {mkdtempSync} = await import('node:fs')
  const state = mkdtempSync('/tmp/nc-schema-emu.')
  const child = spawn(
    process.execPath,
    [`${ROOT}/bin/run.js`, 'emulator', '--json', '--port', '0', '--state', state, '--fault', 'banned'],
    {
      env: {...process.env, NO_COLOR: '1'},
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  )
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d
  })
  const exited = new Promise(resolve => child.once('exit', resolve))
  try {
    for (let i = 0; i < 200 && !out.includes('\n'); i++) await new Promise(resolve => setTimeout(resolve, 50))
    const doc = JSON.parse(out.split('\n')[0])
    check('emulator', doc)
    assert.deepEqual(doc.result.faults, ['banned'])
    assert.equal(doc.result.stateDir, state)
  } finally {
    child.kill('SIGTERM')
    await exited
  }
})
