// The claim's inputs: the token (never from a command line) and the values the request carries, checked before anything
// is sent.

import {readFileSync} from 'node:fs'

import {UserError} from '../../base/errors.js'
import type {Warning} from '../../base/result.js'
import {mask, registerSecret} from '../../base/secrets.js'
import {readTextFile} from '../../config/read.js'
import {statOrNull} from './files.js'

export const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i

export interface TokenSources {
  file?: string
  stdin?: boolean
  env: NodeJS.ProcessEnv
  /** a TTY is attached (a prompt may be shown) */
  interactive: boolean
  prompt: () => Promise<string>
  readStdin?: () => string
}

/**
 * The claim token from --token-file, --token-stdin, NETDATA_CLAIM_TOKEN, or a prompt, in that order.
 * It is registered as a secret at once, and NETDATA_CLAIM_TOKEN is removed from our environment so no child inherits
 * it.
 */
export async function readClaimToken(src: TokenSources): Promise<{token: string; source: string; warnings: Warning[]}> {
  const warnings: Warning[] = []
  let token: string
  let source: string
  const fromEnv = src.env.NETDATA_CLAIM_TOKEN
  if (fromEnv !== undefined) delete src.env.NETDATA_CLAIM_TOKEN
  if (src.file) {
    const st = statOrNull(src.file)
    if (st && st.mode & 0o004)
      warnings.push({
        fix: `chmod 600 ${src.file}`,
        message: `${src.file} is readable by every user (mode ${(st.mode & 0o777).toString(8)})`,
      })
    const text = readTextFile(src.file, 'token file', 64 * 1024)
    if (text === null) throw new UserError('badInput', `--token-file ${src.file}: no such file`)
    token = stripFinalNewline(text)
    source = src.file
  } else if (src.stdin) {
    token = stripFinalNewline((src.readStdin ?? (() => readFileSync(0, 'utf8')))())
    source = 'stdin'
  } else if (fromEnv !== undefined) {
    token = fromEnv
    source = 'NETDATA_CLAIM_TOKEN'
  } else if (src.interactive) {
    token = await src.prompt()
    source = 'prompt'
  } else {
    throw new UserError('badInput', 'no claim token given', {
      fix: 'pass --token-file FILE, --token-stdin, or set NETDATA_CLAIM_TOKEN (never put the token on the command line)',
    })
  }

  registerSecret(token)
  registerSecret(token.trim())
  return {source, token, warnings}
}

function stripFinalNewline(s: string): string {
  return s.replace(/\r?\n$/, '')
}

/** What is wrong with a value meant for the claim request (quotes from compose files, spaces, control chars). */
function badCharacters(value: string): null | string {
  if (/["'`]/.test(value))
    return `contains a quote character (${/["'`]/.exec(value)![0]}): a stray quote from a compose or .env file?`
  if (/[\u0000-\u001F\u007F]/.test(value)) return 'contains a control character (a line break or tab?)'
  if (/\s/.test(value)) return 'contains whitespace'
  if (/[^\u0020-\u007E]/.test(value)) return 'contains a non-ASCII character'
  return null
}

export interface ValidInputs {
  token: string
  url: string
  rooms: string[]
  id?: string
  hostname?: string
}

/** Check everything before anything is sent. Throws badInput naming the value and what is wrong. */
export function validateClaimInputs(input: {
  token: string
  url: string
  rooms: string[]
  id?: string
  hostname?: string
}): ValidInputs {
  const tokenProblem =
    input.token === ''
      ? 'is empty'
      : (badCharacters(input.token) ?? (input.token.length > 1024 ? 'is longer than 1024 characters' : null))
  if (tokenProblem)
    throw new UserError('badInput', `the claim token ${tokenProblem} (token ${mask(input.token)})`, {
      fix: 'copy the token again from Netdata Cloud → Connect nodes, without quotes or spaces',
    })
  const urlProblem = badCharacters(input.url)
  if (urlProblem)
    throw new UserError('badInput', `--url ${JSON.stringify(input.url)} ${urlProblem}`, {
      fix: 'e.g. --url https://app.netdata.cloud',
    })
  let u: URL
  try {
    u = new URL(input.url)
  } catch {
    throw new UserError('badInput', `--url ${JSON.stringify(input.url)}: not a URL`, {
      fix: 'e.g. --url https://app.netdata.cloud',
    })
  }

  if (u.protocol !== 'https:')
    throw new UserError('badInput', `--url ${input.url}: Netdata Cloud is reached over https:// only`, {
      fix: 'e.g. --url https://app.netdata.cloud',
    })
  if (u.username || u.password || u.search || u.hash)
    throw new UserError('badInput', `--url ${u.origin}…: no credentials, query or fragment allowed in the Cloud URL`)
  const url = u.href.replace(/\/+$/, '')
  const rooms: string[] = []
  for (const raw of input.rooms) {
    const room = raw.trim()
    if (room === '') continue
    const p = badCharacters(room)
    if (p)
      throw new UserError('badInput', `room ${JSON.stringify(room)} ${p}`, {
        fix: 'pass room ids separated by commas: --rooms ID1,ID2',
      })
    if (!UUID.test(room))
      throw new UserError('badInput', `room ${JSON.stringify(room)} is not a room id (a UUID like 0f3c…-…)`, {
        fix: 'copy the room ids from the Connect nodes dialog in Netdata Cloud',
      })
    rooms.push(room)
  }

  if (input.id !== undefined && !UUID.test(input.id))
    throw new UserError('badInput', `--id ${JSON.stringify(input.id)} is not a UUID`, {
      fix: 'e.g. --id $(uuidgen), or omit it',
    })
  if (input.hostname !== undefined) {
    const p =
      badCharacters(input.hostname) ??
      (input.hostname === '' || input.hostname.length > 255 ? 'must be 1–255 characters' : null)
    if (p) throw new UserError('badInput', `--hostname ${JSON.stringify(input.hostname)} ${p}`)
  }

  return {
    hostname: input.hostname,
    id: input.id?.toLowerCase(),
    rooms,
    token: input.token,
    url,
  }
}
