// `claim` / `unclaim` end to end: the built CLI against the Cloud emulator (and a scripted HTTPS stub for answers the
// emulator has no fault for), on files with real owners, through real tinyproxy for the proxy cases.
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {constants, createPrivateKey, privateDecrypt} from 'node:crypto'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import {join} from 'node:path'
import {after, before, describe, test} from 'node:test'

import {lookupGroup, lookupUser} from '../../src/agent/accounts.js'
import {httpsRequest} from '../../src/cloud/http.js'
import {type Emulator, startEmulator} from '../../src/emulator/index.js'
import {EXIT} from '../../src/base/errors.js'
import {type Daemon, freePort, startHttps, startTinyproxy, type TestHttps} from '../cloud/http-daemons.js'
import {cli, type Layout, makeLayout, snapshot, V1, V147, V2} from './claim-env.js'
import {ROOT} from '../helpers/cli.js'

const TOKEN = 'tok-Integration-9f8e7d6c5b4a'
const ROOM = '2a2b2c2d-1111-4222-8333-944445555666'
const user = lookupUser('netdata')!
const {default: Ajv} = (await import('ajv')) as any
const ajv = new Ajv({allErrors: true, strict: false})
const schema = (name: string) => JSON.parse(readFileSync(join(ROOT, 'schemas', `${name}.json`), 'utf8'))
/** every --json document of the run, checked against schemas/ at the end */
const documents: [string, any][] = []

describe('claim and unclaim against the emulator', () => {
  let emu: Emulator
  let stub: TestHttps
  let stubDir: string
  let stubAnswer = {body: '', status: 204}
  /** answers to give before stubAnswer, first first; and the URL of every request the stub got */
  let stubQueue: {body: string; status: number}[] = []
  let stubUrls: string[] = []
  const layouts: Layout[] = []
  const layout = (guid = true) => {
    const l = makeLayout(TOKEN, guid)
    layouts.push(l)
    return l
  }

  const claim = async (
    l: Layout,
    extra: string[],
    options: {build?: string; url?: string; env?: NodeJS.ProcessEnv} = {},
  ) => {
    const r = await cli(
      [
        'claim',
        ...l.flags,
        '--buildinfo-file',
        options.build ?? V1,
        '--token-file',
        l.tokenFile,
        '--url',
        options.url ?? emu.url,
        '--ca',
        emu.caPath,
        '--no-reload',
        '--json',
        ...extra,
      ],
      {env: options.env},
    )
    documents.push(['claim', r.json])
    return r
  }

  before(async () => {
    emu = await startEmulator({rooms: [ROOM], tokens: [TOKEN]})
    stubDir = mkdtempSync('/tmp/nc-claim-stub.')
    stub = await startHttps(stubDir, (req, res) => {
      req.resume()
      req.on('end', () => {
        stubUrls.push(req.url ?? '')
        const answer = stubQueue.shift() ?? stubAnswer
        res.writeHead(answer.status, {'content-type': 'application/json'})
        res.end(answer.body)
      })
    })
  })

  after(async () => {
    await emu.close()
    await stub.close()
    rmSync(stubDir, {force: true, recursive: true})
    for (const l of layouts) rmSync(l.dir, {force: true, recursive: true})
  })

  test('v1 native claim: 204, claimed_id without newline, cloud.conf kept and extended, real owners and modes', async () => {
    const l = layout()
    mkdirSync(l.cloudDir)
    writeFileSync(join(l.cloudDir, 'cloud.conf'), '# mine\n[global]\n\tenabled = no\n\tsomething else = kept\n')
    const r = await claim(l, ['--rooms', ROOM])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const res = r.json.result
    assert.equal(res.method, 'v1-native')
    assert.equal(res.changed, true)
    assert.match(res.claimId, /^[\da-f-]{36}$/)
    assert.deepEqual(res.rooms, [ROOM])
    assert.equal(res.url, emu.url)
    const claimed = readFileSync(join(l.cloudDir, 'claimed_id'), 'utf8')
    assert.equal(claimed, res.claimId, 'claimed_id holds exactly the UUID, no newline')
    assert.equal(
      readFileSync(join(l.cloudDir, 'cloud.conf'), 'utf8'),
      `# mine\n[global]\n\tenabled = yes\n\tsomething else = kept\n\tcloud base url = ${emu.url}\n`,
    )
    for (const [name, mode] of [
      ['private.pem', 0o600],
      ['public.pem', 0o644],
      ['claimed_id', 0o644],
    ] as const) {
      const st = statSync(join(l.cloudDir, name))
      assert.equal(st.mode & 0o777, mode, name)
      assert.equal(st.uid, user.uid, name)
    }

    assert.equal(statSync(l.cloudDir).uid, user.uid)
    const rec = emu.records.claims.at(-1)!
    assert.equal(rec.status, 204)
    assert.equal(rec.claimId, res.claimId)
    assert.equal(rec.hostname, 'claim-test-node')
    assert.ok(
      res.files.some(
        (f: any) => f.path.endsWith('claimed_id') && f.action === 'created' && f.owner === 'netdata:netdata',
      ),
    )

    // idempotent refusal: already claimed → exit 32, nothing touched, the fix says how to move Spaces
    const before = snapshot(l.dir)
    const again = await claim(l, [])
    assert.equal(again.code, EXIT.alreadyClaimed)
    assert.match(again.json.error.message, /already claimed/)
    assert.match(again.json.error.fix, /unclaim/)
    assert.deepEqual(snapshot(l.dir), before)

    // --force: a new claim id, same key pair
    const key = readFileSync(join(l.cloudDir, 'private.pem'), 'utf8')
    const forced = await claim(l, ['--force'])
    assert.equal(forced.code, 0, forced.stdout)
    assert.notEqual(forced.json.result.claimId, res.claimId)
    assert.equal(readFileSync(join(l.cloudDir, 'private.pem'), 'utf8'), key)
  })

  test('v1.47 with --proxy writes cloud.conf proxy; machine GUID created when missing, owned by netdata', async () => {
    const l = layout(false)
    const r = await claim(
      l,
      ['--proxy', 'none', '--hostname', 'other-name', '--id', '0A0B0C0D-1111-4222-8333-944445555666'],
      {build: V147},
    )
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(r.json.result.claimId, '0a0b0c0d-1111-4222-8333-944445555666')
    assert.match(readFileSync(join(l.cloudDir, 'cloud.conf'), 'utf8'), /proxy = none/)
    const guid = join(l.lib, 'registry/netdata.public.unique.id')
    assert.match(readFileSync(guid, 'utf8'), /^[\da-f-]{36}$/)
    assert.equal(statSync(guid).uid, user.uid)
    assert.ok(r.json.warnings.some((w: any) => /machine GUID/.test(w.message)))
    assert.equal(emu.records.claims.at(-1)!.hostname, 'other-name')
  })

  test('not root and not the run-as user → permission, nothing written; as the run-as user (netdata) → claimed', async () => {
    const l = layout()
    chmodSync(l.dir, 0o755)
    const nobody = lookupUser('nobody')!
    writeFileSync(join(l.dir, 'ca.pem'), emu.caPem, {mode: 0o644})
    const before = snapshot(l.dir)
    const args = [
      'claim',
      ...l.flags,
      '--buildinfo-file',
      V1,
      '--url',
      emu.url,
      '--ca',
      join(l.dir, 'ca.pem'),
      '--no-reload',
      '--json',
    ]
    const r = await cli(args, {env: {HOME: '/tmp', NETDATA_CLAIM_TOKEN: TOKEN}, gid: nobody.gid, uid: nobody.uid})
    assert.equal(r.code, EXIT.permission, r.stdout + r.stderr)
    assert.match(r.json.error.message, /root or as the agent's user \(netdata\)/)
    assert.deepEqual(snapshot(l.dir), before)
    const ok = await cli(args, {env: {HOME: '/tmp', NETDATA_CLAIM_TOKEN: TOKEN}, gid: user.gid, uid: user.uid})
    assert.equal(ok.code, 0, ok.stdout + ok.stderr)
    assert.equal(statSync(join(l.cloudDir, 'claimed_id')).uid, user.uid)
  })

  test('on a terminal without a token source: a masked prompt; the token typed is never echoed', async () => {
    const l = layout()
    const command = `${process.execPath} ${join(ROOT, 'bin/run.js')} claim ${l.flags.join(' ')} --buildinfo-file ${V1} --url ${emu.url} --dry-run`
    const out = await new Promise<{code: null | number; text: string}>(resolve => {
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        env: {...process.env, NETDATA_CLAIM_TOKEN: undefined, TERM: 'dumb'},
      })
      let text = ''
      child.stdout.on('data', d => {
        text += d
        if (text.includes('claim token') && !child.stdin.writableEnded) child.stdin.end(`${TOKEN}\r`)
      })
      child.once('close', code => resolve({code, text}))
    })
    assert.equal(out.code, 0, out.text)
    assert.match(out.text, /claim token.*\*{8}/s)
    assert.match(out.text, /\*\*\*\*5b4a/)
    assert.ok(!out.text.includes(TOKEN))
  })

  test('--dry-run: shows the request with the token masked and the cloud.conf diff; sends and writes nothing', async () => {
    const l = layout()
    const before = snapshot(l.dir)
    const n = emu.records.claims.length
    const r = await cli([
      'claim',
      ...l.flags,
      '--buildinfo-file',
      V1,
      '--token-file',
      l.tokenFile,
      '--url',
      emu.url,
      '--dry-run',
      '--rooms',
      ROOM,
    ])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /PUT https:\/\/localhost:\d+\/api\/v1\/spaces\/nodes\//)
    assert.match(r.stdout, /"token": "\*\*\*\*7d6c5b4a"|\*\*\*\*5b4a/)
    assert.match(r.stdout, /\+\tcloud base url = /)
    assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN))
    assert.deepEqual(snapshot(l.dir), before)
    assert.equal(emu.records.claims.length, n)
  })

  const rejected = async (faults: string[], extra: string[], expectCode: number, message: RegExp, url?: string) => {
    const l = layout()
    emu.setFaults(faults)
    try {
      const r = await claim(l, extra, {url})
      assert.equal(r.code, expectCode, r.stdout + r.stderr)
      assert.equal(r.json.ok, false)
      assert.match(r.json.error.message, message)
      assert.ok(r.json.error.fix, 'every failure says how to fix it')
      assert.ok(!existsSync(join(l.cloudDir, 'claimed_id')), 'no claimed_id after a failed claim')
      assert.ok(!existsSync(join(l.cloudDir, 'cloud.conf')), 'no cloud.conf after a failed claim')
      return r
    } finally {
      emu.setFaults([])
    }
  }

  test('403 token rejected → claimRejected', async () => {
    await rejected(['token-rejected'], [], EXIT.claimRejected, /token.*403/)
  })
  test("422 unknown room (the emulator's own check) → claimRejected", async () => {
    await rejected(
      [],
      ['--rooms', '99999999-1111-4222-8333-944445555666'],
      EXIT.claimRejected,
      /room ids.*ErrInvalidRoomID/,
    )
  })
  test('409 already claimed → claimRejected, fix says a new id', async () => {
    const r = await rejected(['already-claimed'], [], EXIT.claimRejected, /already claimed.*409/)
    assert.match(r.json.error.fix, /--force|--id/)
  })
  test('102 claim in progress → cloudApi', async () => {
    await rejected(['claim-in-progress'], [], EXIT.cloudApi, /processing.*102/)
  })
  test('503 → cloudApi', async () => {
    await rejected(['retry-after:5@claim'], [], EXIT.cloudApi, /unavailable \(503\)/)
  })
  test('a stalled Cloud → timeout at --timeout', async () => {
    const t = Date.now()
    await rejected(['stall@claim'], ['--timeout', '1500'], EXIT.timeout, /no complete answer within 1500 ms/)
    assert.ok(Date.now() - t < 15_000)
  })
  test('connection refused → tcp', async () => {
    const port = await freePort()
    await rejected([], [], EXIT.tcp, /ECONNREFUSED/, `https://localhost:${port}`)
  })
  test('an untrusted certificate (no --ca) → tls', async () => {
    const l = layout()
    const r = await cli([
      'claim',
      ...l.flags,
      '--buildinfo-file',
      V1,
      '--token-file',
      l.tokenFile,
      '--url',
      emu.url,
      '--no-reload',
      '--json',
    ])
    assert.equal(r.code, EXIT.tls, r.stdout)
    assert.ok(!existsSync(join(l.cloudDir, 'claimed_id')))
  })

  for (const [status, key, code, message] of [
    [422, 'ErrInvalidNodeID', EXIT.claimRejected, /node id/],
    [422, 'ErrInvalidNodeName', EXIT.claimRejected, /node name/],
    [422, 'ErrInvalidRoomID', EXIT.claimRejected, /room ids/],
    [422, 'ErrInvalidPublicKey', EXIT.claimRejected, /public key/],
    [500, 'ErrInternalServerError', EXIT.cloudApi, /Internal Server Error \(500\)/],
    [504, 'ErrGatewayTimeout', EXIT.cloudApi, /Gateway Timeout \(504\)/],
  ] as const) {
    test(`${status} ${key} (scripted Cloud) → ${message}`, async () => {
      stubAnswer = {body: JSON.stringify({errorCode: 'c', errorMessage: 'm', errorMsgKey: key}), status}
      const l = layout()
      const r = await cli([
        'claim',
        ...l.flags,
        '--buildinfo-file',
        V1,
        '--token-file',
        l.tokenFile,
        '--url',
        stub.url,
        '--ca',
        stub.caPath,
        '--no-reload',
        '--json',
      ])
      assert.equal(r.code, code, r.stdout + r.stderr)
      assert.match(r.json.error.message, message)
      assert.match(r.json.error.ref, /v1 claim script: exit \d+/)
      assert.ok(!existsSync(join(l.cloudDir, 'claimed_id')))
    })
  }

  describe('attempts: sent again as the agent era does (v1: connection failures, same id; v2: also 5xx, a new id each)', () => {
    const answer = (status: number, key = '') => ({
      body: key ? JSON.stringify({errorCode: 'c', errorMessage: 'm', errorMsgKey: key}) : '',
      status,
    })
    const idOf = (url: string) => /\/api\/v1\/spaces\/nodes\/([\da-f-]{36})$/.exec(url)?.[1]

    test('v2 --direct: 503, 500, then 204 → claimed on the third attempt with its own claim id; each attempt had a new one', async () => {
      stubQueue = [answer(503, 'ErrServiceUnavailable'), answer(500, 'ErrInternalServerError')]
      stubUrls = []
      stubAnswer = {body: '', status: 204}
      const l = layout()
      const r = await cli([
        'claim',
        ...l.flags,
        '--buildinfo-file',
        V2,
        '--direct',
        '--token-file',
        l.tokenFile,
        '--url',
        stub.url,
        '--ca',
        stub.caPath,
        '--no-reload',
        '--json',
      ])
      assert.equal(r.code, 0, r.stdout + r.stderr)
      documents.push(['claim', r.json])
      const ids = stubUrls.map(u => idOf(u))
      assert.equal(ids.length, 3)
      assert.equal(new Set(ids).size, 3, 'a new claim id for each attempt')
      assert.equal(r.json.result.claimId, ids[2])
      assert.deepEqual(
        r.json.result.retried.map((a: any) => [a.claimId, a.waitedMs]),
        [
          [ids[0], 400],
          [ids[1], 500],
        ],
      )
      assert.match(r.json.result.retried[0].outcome, /unavailable \(503\)/)
      assert.match(readFileSync(join(l.cloudDir, 'cloud.conf'), 'utf8'), new RegExp(`claimed_id = ${ids[2]}`))
    })

    test('v2 --direct: 422 is final (one request); five 503s end after 5 attempts naming them; --retries 0 sends one', async () => {
      stubUrls = []
      stubQueue = []
      stubAnswer = answer(422, 'ErrInvalidRoomID')
      const l = layout()
      const base = [
        'claim',
        ...l.flags,
        '--buildinfo-file',
        V2,
        '--direct',
        '--token-file',
        l.tokenFile,
        '--url',
        stub.url,
        '--ca',
        stub.caPath,
        '--no-reload',
        '--json',
      ]
      const rejected = await cli(base)
      assert.equal(rejected.code, EXIT.claimRejected)
      assert.equal(stubUrls.length, 1)

      stubUrls = []
      stubAnswer = answer(503, 'ErrServiceUnavailable')
      const down = await cli(base)
      assert.equal(down.code, EXIT.cloudApi, down.stdout + down.stderr)
      assert.equal(stubUrls.length, 5)
      assert.match(
        down.json.error.message,
        /unavailable \(503\) \(attempt 5; before: (Netdata Cloud is unavailable \(503\)(; )?){4}\)$/,
      )
      assert.ok(!existsSync(join(l.cloudDir, 'claimed_id')))

      stubUrls = []
      stubQueue = [answer(503, 'ErrServiceUnavailable')]
      stubAnswer = answer(422, 'ErrInvalidRoomID')
      const thenRefused = await cli(base)
      assert.equal(thenRefused.code, EXIT.claimRejected)
      assert.equal(stubUrls.length, 2)
      assert.match(
        thenRefused.json.error.message,
        /^Netdata Cloud rejected one or more room ids \(422 ErrInvalidRoomID\) \(attempt 2; before: Netdata Cloud is unavailable \(503\)\)$/,
      )

      stubUrls = []
      stubAnswer = answer(503, 'ErrServiceUnavailable')
      const once = await cli([...base, '--retries', '0'])
      assert.equal(once.code, EXIT.cloudApi)
      assert.equal(stubUrls.length, 1)
      stubAnswer = {body: '', status: 204}
    })

    test('v1: an HTTP answer is final, even 503 (netdata-claim.sh retries only when curl could not connect)', async () => {
      stubUrls = []
      stubAnswer = answer(503, 'ErrServiceUnavailable')
      const l = layout()
      const r = await cli([
        'claim',
        ...l.flags,
        '--buildinfo-file',
        V1,
        '--token-file',
        l.tokenFile,
        '--url',
        stub.url,
        '--ca',
        stub.caPath,
        '--no-reload',
        '--json',
      ])
      assert.equal(r.code, EXIT.cloudApi)
      assert.equal(stubUrls.length, 1)
      stubAnswer = {body: '', status: 204}
    })

    test('v1: nothing listens at first, Cloud comes up during the 1 s wait → claimed on attempt 2 with the same claim id', async () => {
      const port = await freePort()
      const l = layout()
      const dir = mkdtempSync('/tmp/nc-claim-late.')
      const urls: string[] = []
      let late: TestHttps | undefined
      let starting = false
      // text mode: the progress on stderr says when attempt 1 has failed; only then does "Cloud" come up
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'bin/run.js'),
          'claim',
          ...l.flags,
          '--buildinfo-file',
          V1,
          '--token-file',
          l.tokenFile,
          '--url',
          `https://127.0.0.1:${port}`,
          '--insecure',
          '--no-reload',
        ],
        {env: {...process.env, NO_COLOR: '1'}},
      )
      let stdout = ''
      let stderr = ''
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d
      })
      child.stderr.setEncoding('utf8').on('data', async (d: string) => {
        stderr += d
        if (!starting && /trying again in 1000 ms/.test(stderr)) {
          starting = true
          late = await startHttps(
            dir,
            (req, res) => {
              urls.push(req.url ?? '')
              req.resume()
              req.on('end', () => res.writeHead(204).end())
            },
            port,
          )
        }
      })
      const code = await new Promise(resolve => {
        child.once('close', resolve)
      })
      try {
        assert.equal(code, 0, stdout + stderr)
        assert.match(stderr, /TCP connection failed \(ECONNREFUSED\): trying again in 1000 ms/)
        assert.equal(urls.length, 1)
        const id = readFileSync(join(l.cloudDir, 'claimed_id'), 'utf8')
        assert.equal(idOf(urls[0]), id)
        assert.match(
          stdout,
          new RegExp(`^ {2}attempt 1 \\(claim id ${id}\\): .*ECONNREFUSED.*; tried again after 1000 ms$`, 'm'),
          'v1 sends the same claim id again',
        )
      } finally {
        await late?.close()
        rmSync(dir, {force: true, recursive: true})
      }
    })

    test('v1: a certificate problem is not retried (it cannot heal in a second)', async () => {
      stubUrls = []
      const l = layout()
      const started = Date.now()
      const r = await cli([
        'claim',
        ...l.flags,
        '--buildinfo-file',
        V1,
        '--token-file',
        l.tokenFile,
        '--url',
        stub.url,
        '--no-reload',
        '--json',
      ])
      assert.equal(r.code, EXIT.tls, r.stdout + r.stderr)
      assert.ok(Date.now() - started < 2500, 'no 1 s + 2 s of retries')
      assert.doesNotMatch(r.json.error.message, /attempt/)
    })
  })

  describe('through tinyproxy with Basic auth', () => {
    let proxy: Daemon

    before(async () => {
      proxy = await startTinyproxy({pass: 'ppw42', user: 'pu'})
    })

    after(async () => {
      assert.equal(await proxy.stop(), 0)
    })

    test('no credentials → proxy (407); wrong → proxy (401); the password is never printed', async () => {
      await rejected([], ['--proxy', `http://127.0.0.1:${proxy.port}`], EXIT.proxy, /407/)
      const r = await rejected([], ['--proxy', `http://pu:wrongpass@127.0.0.1:${proxy.port}`], EXIT.proxy, /401/)
      assert.ok(!JSON.stringify(r.json).includes('wrongpass'))
    })

    test('right credentials → claimed through the proxy', async () => {
      const l = layout()
      const r = await claim(l, ['--proxy', `http://pu:ppw42@127.0.0.1:${proxy.port}`])
      assert.equal(r.code, 0, r.stdout + r.stderr)
      assert.match(r.json.result.proxy, /http:\/\/pu:\*\*\*\*@127\.0\.0\.1/)
      assert.ok(!r.stdout.includes('ppw42') && !r.stderr.includes('ppw42'))
    })
  })

  test('v2: claim.conf root:netdata 0640 with the token, nothing printed with it; --dry-run diff masked', async () => {
    const l = layout()
    const dry = await claim(l, ['--dry-run', '--rooms', ROOM], {build: V2})
    assert.equal(dry.code, 0, dry.stdout + dry.stderr)
    assert.ok(!existsSync(join(l.etc, 'claim.conf')))
    assert.match(dry.json.result.files[0].diff, /token = \*\*\*\*/)
    const r = await claim(l, ['--rooms', ROOM], {build: V2})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.equal(r.json.result.method, 'v2-claim.conf')
    const file = join(l.etc, 'claim.conf')
    const st = statSync(file)
    assert.equal(st.mode & 0o777, 0o640)
    assert.equal(st.uid, 0)
    assert.equal(st.gid, lookupGroup('netdata')!.gid)
    assert.equal(
      readFileSync(file, 'utf8'),
      `[global]\n    url = ${emu.url}\n    token = ${TOKEN}\n    rooms = ${ROOM}\n`,
    )
    assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN))
    // --ca goes where v2.11's own (libcurl) claim reads it: cloud.d/trusted.pem, agent-owned 0644 (real-agent README)
    assert.ok(!dry.json.result.files.some((f: {path: string; action: string}) => f.action === 'created'))
    const trusted = join(l.cloudDir, 'trusted.pem')
    assert.equal(readFileSync(trusted, 'utf8'), emu.caPem)
    assert.equal(statSync(trusted).mode & 0o777, 0o644)
    assert.ok(r.json.result.files.some((f: {path: string}) => f.path === trusted))
    assert.ok(r.json.warnings.some((w: {message: string}) => /trusted\.pem/.test(w.message)))
    const again = await claim(l, ['--rooms', ROOM], {build: V2})
    assert.equal(again.json.result.changed, false, 'same claim.conf: changed=false')
    const bad = await claim(l, ['--id', ROOM], {build: V2})
    assert.equal(bad.code, EXIT.badInput)
  })

  test('v2 --direct: the request from here, then cloud.conf in the v2 format', async () => {
    const l = layout()
    const r = await claim(l, ['--direct', '--rooms', ROOM], {build: V2})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const conf = readFileSync(join(l.cloudDir, 'cloud.conf'), 'utf8')
    assert.match(conf, new RegExp(`url = ${emu.url}`))
    assert.match(conf, new RegExp(`claimed_id = ${r.json.result.claimId}`))
    assert.doesNotMatch(conf, /token/)
    assert.equal(readFileSync(join(l.cloudDir, 'claimed_id'), 'utf8'), r.json.result.claimId)
  })

  test('unclaim → claim round trip leaves a clean node the emulator lets link (challenge/password with the kept key)', async () => {
    const l = layout()
    const first = await claim(l, ['--rooms', ROOM])
    assert.equal(first.code, 0, first.stdout)
    const oldId = first.json.result.claimId
    const noYes = await cli(['unclaim', ...l.flags, '--buildinfo-file', V1, '--no-reload'])
    assert.equal(noYes.code, EXIT.badInput, 'no TTY and no --yes: refuse')
    assert.ok(existsSync(join(l.cloudDir, 'claimed_id')))
    const un = await cli([
      'unclaim',
      ...l.flags,
      '--buildinfo-file',
      V1,
      '--no-reload',
      '--yes',
      '--agent-url',
      'http://127.0.0.1:1',
    ])
    assert.equal(un.code, 0, un.stdout + un.stderr)
    assert.match(un.stdout, new RegExp(`Old claim id\\s+${oldId}`))
    assert.match(un.stdout, /restart/)
    assert.ok(!existsSync(join(l.cloudDir, 'claimed_id')))
    assert.ok(existsSync(join(l.cloudDir, 'private.pem')), 'the key pair is kept')
    const bak = readdirSync(l.lib).find(n => n.startsWith('cloud.d.bak-'))!
    assert.ok(bak, 'backup made')
    assert.equal(readFileSync(join(l.lib, bak, 'claimed_id'), 'utf8'), oldId)
    assert.equal(statSync(join(l.lib, bak, 'private.pem')).mode & 0o777, 0o600)
    assert.equal(statSync(join(l.lib, bak)).mode & 0o777, 0o700)
    const nothing = await cli(['unclaim', ...l.flags, '--buildinfo-file', V1, '--no-reload', '--yes', '--json'])
    documents.push(['unclaim', nothing.json])
    assert.equal(nothing.json.result.changed, false)

    const second = await claim(l, ['--rooms', ROOM])
    assert.equal(second.code, 0, second.stdout + second.stderr)
    const id = second.json.result.claimId
    assert.notEqual(id, oldId)
    // linkable: the emulator's OTP exchange succeeds with the node's own private key
    const challenge = await httpsRequest(
      {method: 'GET', url: `${emu.url}/api/v1/auth/node/${id}/challenge`},
      {caFile: emu.caPath},
    )
    assert.equal(challenge.status, 200, challenge.body)
    const key = createPrivateKey(readFileSync(join(l.cloudDir, 'private.pem'), 'utf8'))
    const secret = privateDecrypt(
      {key, oaepHash: 'sha1', padding: constants.RSA_PKCS1_OAEP_PADDING},
      Buffer.from(JSON.parse(challenge.body).challenge, 'base64'),
    )
    const password = await httpsRequest(
      {
        body: JSON.stringify({response: secret.toString('base64')}),
        method: 'POST',
        url: `${emu.url}/api/v1/auth/node/${id}/password`,
      },
      {caFile: emu.caPath},
    )
    assert.equal(password.status, 201, password.body)

    // --rotate-key --no-backup removes the keys too
    const rot = await cli([
      'unclaim',
      ...l.flags,
      '--buildinfo-file',
      V1,
      '--no-reload',
      '--yes',
      '--rotate-key',
      '--no-backup',
      '--json',
    ])
    assert.equal(rot.code, 0, rot.stdout)
    documents.push(['unclaim', rot.json])
    assert.ok(!existsSync(join(l.cloudDir, 'private.pem')))
    assert.equal(readdirSync(l.lib).filter(n => n.startsWith('cloud.d.bak-')).length, 1)
  })

  test('v2 unclaim removes claimed_id from cloud.conf and claim.conf (backed up)', async () => {
    const l = layout()
    const r = await claim(l, ['--direct'], {build: V2})
    assert.equal(r.code, 0, r.stdout)
    writeFileSync(join(l.etc, 'claim.conf'), `[global]\n    token = ${TOKEN}\n`, {mode: 0o640})
    const guidFile = join(l.lib, 'registry/netdata.public.unique.id')
    const oldGuid = readFileSync(guidFile, 'utf8')
    const un = await cli(['unclaim', ...l.flags, '--buildinfo-file', V2, '--yes', '--json', '--regenerate-guid'])
    assert.equal(un.code, 0, un.stdout)
    assert.equal(un.json.result.oldClaimId, r.json.result.claimId)
    documents.push(['unclaim', un.json])
    assert.doesNotMatch(readFileSync(join(l.cloudDir, 'cloud.conf'), 'utf8'), /claimed_id/)
    assert.ok(!existsSync(join(l.etc, 'claim.conf')))
    assert.equal(un.json.result.restart.state, 'needed')
    assert.ok(!un.stdout.includes(TOKEN))
    const bak = readdirSync(l.lib).find(n => n.startsWith('cloud.d.bak-'))!
    assert.ok(existsSync(join(l.lib, bak, 'claim.conf')))
    const newGuid = readFileSync(guidFile, 'utf8')
    assert.match(newGuid, /^[\da-f-]{36}$/)
    assert.notEqual(newGuid, oldGuid)
    assert.equal(readFileSync(join(l.lib, bak, 'netdata.public.unique.id'), 'utf8'), oldGuid)
    assert.ok(un.json.result.notes.some((n: string) => /new machine GUID.*cloned/.test(n)))
  })

  test('every --json document above matches schemas/envelope.json and schemas/claim.json / unclaim.json', () => {
    const envelope = ajv.compile(schema('envelope'))
    const validators: Record<string, any> = {
      claim: ajv.compile(schema('claim')),
      unclaim: ajv.compile(schema('unclaim')),
    }
    assert.ok(documents.filter(([, d]) => d?.ok).length >= 10, `documents: ${documents.length}`)
    for (const [name, doc] of documents) {
      assert.ok(envelope(doc), `envelope: ${ajv.errorsText(envelope.errors)}`)
      if (doc.ok) assert.ok(validators[name](doc.result), `${name}: ${ajv.errorsText(validators[name].errors)}`)
      assert.ok(!JSON.stringify(doc).includes(TOKEN))
    }
  })
})
