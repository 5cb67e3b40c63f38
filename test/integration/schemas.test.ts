// Real --json output, validated against the committed JSON Schemas (schemas/), so the interface never drifts silently.
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {withAgent} from '../helpers/agent.js'
import {ROOT, runCli} from '../helpers/cli.js'

const {default: Ajv} = await import('ajv') as any
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
