// Independent clients for driving the emulator: curl and openssl (child processes) and a node identity (RSA key).
import {execFile} from 'node:child_process'
import {constants, generateKeyPairSync, type KeyObject, privateDecrypt, randomUUID} from 'node:crypto'

import type {Emulator} from '../../src/emulator/index.js'

export interface CurlResult {
  code: number
  statusLine: string
  status: number
  headers: string[]
  body: string
  raw: string
  stderr: string
}

/** curl -i with the emulator's CA (async: a sync child would block the in-process server). */
export function curl(emu: Pick<Emulator, 'caPath'>, args: string[]): Promise<CurlResult> {
  return new Promise(resolve => {
    execFile(
      'curl',
      ['-sS', '-i', '--cacert', emu.caPath, '--max-time', '10', ...args],
      {encoding: 'latin1', maxBuffer: 64 << 20},
      (error, stdout, stderr) => {
        const code = error ? Number((error as {code?: number}).code ?? 1) : 0
        const split = stdout.indexOf('\r\n\r\n')
        const head = split === -1 ? stdout : stdout.slice(0, split)
        const lines = head.split('\r\n')
        const statusLine = lines[0] ?? ''
        resolve({
          body: split === -1 ? '' : stdout.slice(split + 4),
          code,
          headers: lines.slice(1),
          raw: stdout,
          status: Number(statusLine.split(' ')[1]),
          statusLine,
          stderr,
        })
      },
    )
  })
}

export function json(r: CurlResult): any {
  return JSON.parse(r.body)
}

/** openssl s_client verifying against the CA and the host name; returns its output (with "Verify return code"). */
export function sClient(emu: Emulator, host = 'localhost'): Promise<string> {
  return new Promise(resolve => {
    const child = execFile(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${emu.port}`,
        '-servername',
        host,
        '-CAfile',
        emu.caPath,
        '-verify_hostname',
        host,
        '-brief',
      ],
      {encoding: 'utf8', timeout: 10_000},
      (_error, stdout, stderr) => resolve(stdout + stderr),
    )
    child.stdin?.end()
  })
}

export interface NodeIdentity {
  claimId: string
  publicKeyPem: string
  privateKey: KeyObject
}

export function makeNode(): NodeIdentity {
  const {privateKey, publicKey} = generateKeyPairSync('rsa', {modulusLength: 2048})
  return {claimId: randomUUID(), privateKey, publicKeyPem: publicKey.export({format: 'pem', type: 'spki'}) as string}
}

export function claimBody(emu: Emulator, node: NodeIdentity, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    node: {id: node.claimId, hostname: 'test-node'},
    token: emu.tokens[0],
    rooms: emu.rooms,
    publicKey: node.publicKeyPem,
    mGUID: randomUUID(),
    ...overrides,
  })
}

export function claim(
  emu: Emulator,
  node: NodeIdentity,
  overrides: Record<string, unknown> = {},
  pathId = node.claimId,
): Promise<CurlResult> {
  return curl(emu, ['-X', 'PUT', '-d', claimBody(emu, node, overrides), `${emu.url}/api/v1/spaces/nodes/${pathId}`])
}

export function decryptChallenge(node: NodeIdentity, challenge: string): Buffer {
  return privateDecrypt(
    {key: node.privateKey, oaepHash: 'sha1', padding: constants.RSA_PKCS1_OAEP_PADDING},
    Buffer.from(challenge, 'base64'),
  )
}

/** /env → challenge → decrypt → password, as an agent of `version` does. Returns the /password answer. */
export async function otpExchange(
  emu: Emulator,
  node: NodeIdentity,
  version = '2.11.0',
  cap = 'proto,ctx',
): Promise<CurlResult> {
  const env = await curl(emu, [`${emu.url}/api/v1/env?v=${version}&cap=${cap}&claim_id=${node.claimId}`])
  const auth = json(env).authEndpoint as string
  const challenge = await curl(emu, [`${auth}/node/${node.claimId}/challenge`])
  const secret = decryptChallenge(node, json(challenge).challenge)
  return curl(emu, [
    '-X',
    'POST',
    '-d',
    JSON.stringify({response: secret.toString('base64')}),
    `${auth}/node/${node.claimId}/password`,
  ])
}

/** curl that discards the body and reports the status and how many bytes came (for endless answers). */
export function curlCount(
  emu: Pick<Emulator, 'caPath'>,
  args: string[],
): Promise<{code: number; status: number; bytes: number}> {
  return new Promise(resolve => {
    execFile(
      'curl',
      ['-sS', '--cacert', emu.caPath, '-o', '/dev/null', '-w', '%{http_code} %{size_download}', ...args],
      {encoding: 'utf8'},
      (error, stdout) => {
        const [status, bytes] = stdout.trim().split(' ').map(Number)
        resolve({bytes, code: error ? Number((error as {code?: number}).code) : 0, status})
      },
    )
  })
}
