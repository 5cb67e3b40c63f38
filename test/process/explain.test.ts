// `explain` as a user runs it (the built CLI): a real agent log through stdin, one word, unknown input (exit 18),
// a bare number (exit 18, says which forms to use); --json validated against schemas/explain.json.
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {test} from 'node:test'

import {EXIT} from '../../src/base/errors.js'
import {ROOT, runCli} from '../helpers/cli.js'

const {default: Ajv} = (await import('ajv')) as any
const ajv = new Ajv({allErrors: true, strict: false})
const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas/explain.json'), 'utf8')))
const check = (out: any) => assert.ok(validate(out.result), ajv.errorsText(validate.errors))

test('explain - reads a real v2.11.0 log (CONNACK 135 fault) from stdin: every ACLK failure line explained', () => {
  const log = readFileSync(join(ROOT, 'test/fixtures/agent-logs/v2.11.0-connack-refused-135.log'), 'utf8')
  const r = runCli(['explain', '-', '--json'], {input: log})
  assert.equal(r.code, 0, r.stderr)
  check(r.json)
  const connack = r.json.result.lines.find((l: any) => l.input.includes('MQTT CONNACK returned error 135'))
  assert.equal(connack.causes[0].id, 'connack-not-authorized')
  assert.equal(connack.causes[0].step, 'mqtt')
  assert.equal(connack.causes[0].exit, EXIT.mqtt)
  assert.ok(r.json.result.unknown > 0, 'debug lines are not explained (never a guess)')
  const text = runCli(['explain', '-'], {input: log})
  assert.match(text.stdout, /lines explained/)
})

test('explain with words: the Cloud key, the kickstart exit, the verify error of a real line', () => {
  const r = runCli(['explain', 'SSL: certificate verify error 20:unable to get local issuer certificate at depth 0'])
  assert.equal(r.code, 0)
  assert.match(r.stdout, /issuer of the server's certificate is unknown/)
  assert.match(r.stdout, /step: tls; eras: all; class: tls \(exit 23\)/)
  const exit = runCli(['explain', 'kickstart', 'exit', '12', '--json'])
  assert.equal(exit.json.result.lines[0].causes[0].id, 'claim-forbidden')
  check(exit.json)
})

test('unknown input: says so, exit 18, JSON ok false; a bare number: ambiguous, exit 18, names the forms', () => {
  const r = runCli(['explain', 'the cloud is sad today'])
  assert.equal(r.code, EXIT.badInput)
  assert.match(r.stdout, /Not recognised/)
  const j = runCli(['explain', 'the cloud is sad today', '--json'])
  assert.equal(j.code, EXIT.badInput)
  assert.equal(j.json.ok, false)
  check(j.json)
  assert.equal(j.json.result.lines[0].causes.length, 0)
  const n = runCli(['explain', '135'])
  assert.equal(n.code, EXIT.badInput)
  assert.match(n.stderr, /ambiguous.*\n.*"connack 135"/)
})
