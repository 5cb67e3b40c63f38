import assert from 'node:assert/strict'
import {createPrivateKey, createPublicKey} from 'node:crypto'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {lookupUser} from '../../src/agent/accounts.js'
import {ensureKeyPair} from '../../src/agent/keypair.js'
import {CLAIM_SCRIPT_EXIT, interpretClaimAnswer} from '../../src/cloud/errors.js'
import {UserError} from '../../src/base/errors.js'
import {readClaimToken, validateClaimInputs} from '../../src/services/claim/inputs.js'
import {NETDATA_IS_ME, useAccounts} from '../helpers/accounts.js'

// unit tier: the agent's user netdata is the running user (fixture accounts), so the key pair's owner needs no root
useAccounts(NETDATA_IS_ME)

const ROOM = '0f3c2e1a-1111-4222-8333-944445555666'
const good = {rooms: [ROOM], token: 'abcDEF123_-.xyz9876', url: 'https://app.netdata.cloud/'}

function code(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof UserError)
    return `${error.code}: ${error.message}`
  }

  return 'no error'
}

describe('claim inputs, answers and keys', () => {
  test('validateClaimInputs accepts clean values and normalises the URL', () => {
    const v = validateClaimInputs({...good, id: 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE'})
    assert.equal(v.url, 'https://app.netdata.cloud')
    assert.deepEqual(v.rooms, [ROOM])
    assert.equal(v.id, 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee')
  })

  test('validateClaimInputs refuses quotes, whitespace, control characters, http, bad rooms and ids — token masked', () => {
    assert.match(
      code(() => validateClaimInputs({...good, token: '"abcDEF123456789'})),
      /^badInput: the claim token contains a quote character.*compose/,
    )
    assert.match(
      code(() => validateClaimInputs({...good, token: 'abc DEF123456789'})),
      /whitespace/,
    )
    assert.match(
      code(() => validateClaimInputs({...good, token: 'abcDEF12345678\n9'})),
      /control character/,
    )
    assert.match(
      code(() => validateClaimInputs({...good, token: ''})),
      /is empty/,
    )
    assert.doesNotMatch(
      code(() => validateClaimInputs({...good, token: 'abc DEF1234secret'})),
      /DEF1234secret/,
    )
    assert.match(
      code(() => validateClaimInputs({...good, url: 'http://app.netdata.cloud'})),
      /https:\/\/ only/,
    )
    assert.match(
      code(() => validateClaimInputs({...good, url: 'https://app.netdata.cloud"'})),
      /quote/,
    )
    assert.match(
      code(() => validateClaimInputs({...good, url: 'https://u:p@app.netdata.cloud'})),
      /no credentials/,
    )
    assert.match(
      code(() => validateClaimInputs({...good, rooms: ['not-a-room']})),
      /not a room id/,
    )
    assert.match(
      code(() => validateClaimInputs({...good, rooms: [`'${ROOM}'`]})),
      /quote/,
    )
    assert.deepEqual(validateClaimInputs({...good, rooms: [ROOM, ' ', '']}).rooms, [ROOM])
    assert.match(
      code(() => validateClaimInputs({...good, id: 'x'})),
      /--id "x" is not a UUID/,
    )
    assert.match(
      code(() => validateClaimInputs({...good, hostname: 'a b'})),
      /whitespace/,
    )
  })

  test('interpretClaimAnswer: one message per Cloud answer, with the v1 script exit code', () => {
    const body = (k: string) => JSON.stringify({errorCode: 'x', errorMsgKey: k, errorMessage: 'm'})
    const cases: [number, string, string, number, RegExp][] = [
      [204, '', 'ok', 0, /successfully claimed/],
      [403, body('ErrForbidden'), 'claimRejected', 12, /token/],
      [422, body('ErrInvalidNodeID'), 'claimRejected', 8, /node id/],
      [422, body('ErrInvalidNodeName'), 'claimRejected', 9, /node name/],
      [422, body('ErrInvalidRoomID'), 'claimRejected', 10, /room ids/],
      [422, body('ErrInvalidPublicKey'), 'claimRejected', 11, /public key/],
      [422, body('ErrSomethingNew'), 'claimRejected', 7, /ErrSomethingNew/],
      [409, body('ErrAlreadyClaimed'), 'claimRejected', 13, /already claimed/],
      [102, body('ErrProcessingClaim'), 'cloudApi', 14, /processing/],
      [500, body('ErrInternalServerError'), 'cloudApi', 15, /Internal Server Error/],
      [504, '', 'cloudApi', 16, /Gateway Timeout/],
      [503, 'not json', 'cloudApi', 17, /unavailable/],
      [200, '{}', 'cloudApi', 7, /only 204/],
      [404, '<html>', 'cloudApi', 7, /HTTP 404/],
    ]
    for (const [status, text, c, exit, re] of cases) {
      const a = interpretClaimAnswer(status, text)
      assert.equal(a.code, c, `${status} ${text}`)
      assert.equal(a.scriptExit, exit, `${status} ${text}`)
      assert.match(a.message, re)
      assert.ok(CLAIM_SCRIPT_EXIT[a.scriptExit])
    }
  })
})

describe('token sources and the key pair on disk', () => {
  let dir: string
  const user = lookupUser('netdata')!

  before(() => {
    dir = mkdtempSync('/tmp/nc-claim-unit.')
  })

  after(() => rmSync(dir, {force: true, recursive: true}))

  test('readClaimToken: file (final newline stripped), world-readable warning; env removed from the environment', async () => {
    const f = join(dir, 'token')
    writeFileSync(f, 'tok-FILE-12345678\n', {mode: 0o644})
    chmodSync(f, 0o644)
    const env: NodeJS.ProcessEnv = {NETDATA_CLAIM_TOKEN: 'tok-ENV-87654321'}
    const r = await readClaimToken({
      env,
      file: f,
      interactive: false,
      prompt: async () => 'x',
    })
    assert.equal(r.token, 'tok-FILE-12345678')
    assert.match(r.warnings[0].message, /readable by every user/)
    assert.equal(env.NETDATA_CLAIM_TOKEN, undefined, 'the env token must not reach children')
    const e = await readClaimToken({
      env: {NETDATA_CLAIM_TOKEN: 'tok-ENV-87654321'},
      interactive: false,
      prompt: async () => 'x',
    })
    assert.deepEqual([e.token, e.source], ['tok-ENV-87654321', 'NETDATA_CLAIM_TOKEN'])
    const s = await readClaimToken({
      env: {},
      interactive: false,
      prompt: async () => 'x',
      readStdin: () => 'tok-STDIN-1234\r\n',
      stdin: true,
    })
    assert.equal(s.token, 'tok-STDIN-1234')
    const p = await readClaimToken({env: {}, interactive: true, prompt: async () => 'tok-PROMPT-1234'})
    assert.equal(p.source, 'prompt')
    await assert.rejects(readClaimToken({env: {}, interactive: false, prompt: async () => 'x'}), /no claim token given/)
  })

  test('ensureKeyPair: generates RSA-2048 PKCS#8/SPKI, private 0600 owned by netdata; keeps it; derives a missing public key', () => {
    const cloud = join(dir, 'cloud.d')
    const paths = {privateKey: join(cloud, 'private.pem'), publicKey: join(cloud, 'public.pem')}
    const owner = {gid: user.gid, uid: user.uid}
    const a = ensureKeyPair(paths, owner, {createDir: {mode: 0o770, owner}})
    assert.equal(a.action, 'generated')
    const priv = readFileSync(paths.privateKey, 'utf8')
    assert.match(priv, /^-----BEGIN PRIVATE KEY-----/)
    assert.equal(createPrivateKey(priv).asymmetricKeyDetails?.modulusLength, 2048)
    const st = statSync(paths.privateKey)
    assert.equal(st.mode & 0o777, 0o600)
    assert.equal(st.uid, user.uid)
    assert.equal(statSync(cloud).uid, user.uid)
    assert.match(readFileSync(paths.publicKey, 'utf8'), /^-----BEGIN PUBLIC KEY-----/)
    const b = ensureKeyPair(paths, owner)
    assert.equal(b.action, 'existing')
    assert.equal(readFileSync(paths.privateKey, 'utf8'), priv)
    rmSync(paths.publicKey)
    const c = ensureKeyPair(paths, owner)
    assert.equal(c.action, 'public-derived')
    assert.ok(
      createPublicKey(priv)
        .export({format: 'der', type: 'spki'})
        .equals(createPublicKey(readFileSync(paths.publicKey, 'utf8')).export({format: 'der', type: 'spki'})),
    )
    mkdirSync(join(dir, 'x'))
    const dry = ensureKeyPair({privateKey: join(dir, 'x/p.pem'), publicKey: join(dir, 'x/q.pem')}, owner, {
      dryRun: true,
    })
    assert.equal(dry.action, 'generated')
    assert.throws(() => statSync(join(dir, 'x/p.pem')), /ENOENT/)
  })
})
