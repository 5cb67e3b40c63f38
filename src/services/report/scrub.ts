// Secret removal for the support bundle: every text that goes into the archive passes through `scrub`.
// Known secrets (claim tokens, proxy passwords, keys read from the node) are replaced wherever they appear; PEM
// private keys, `user:password@` in URLs, `token = …` lines and JSON fields named like secrets are removed by form,
// so a secret the collector did not know about is still caught. With --anonymize the claim id and the machine GUID
// are replaced too. Every scan is linear (indexOf and split/join, no backtracking patterns over the node's text).

import {redactSecrets} from '../../base/secrets.js'

export interface Scrubber {
  scrub(text: string): string
  /** a JSON value with secret-named string fields replaced, then scrubbed as text */
  json(value: unknown): string
  /** how many replacements were made, per kind (for the manifest; never the values) */
  counts: Record<string, number>
}

const SECRET_KEY = /^(token|password|passwd|secret|claim_token|mqtt_password|privateKey|private_key)$/i

/** `scheme://user:password@host` → `scheme://user:****@host`, found with indexOf (linear). */
export function redactUrlPasswords(text: string, count: () => void): string {
  let out = ''
  let from = 0
  for (;;) {
    const at = text.indexOf('://', from)
    if (at === -1) return out + text.slice(from)
    let i = at + 3
    let colon = -1
    let end = -1
    while (i < text.length && i - at < 512) {
      const c = text[i]
      if (c === '@') {
        end = i
        break
      }

      if (c === '/' || c === ' ' || c === '"' || c === "'" || c === '\n' || c === '\t' || c === '<' || c === '>') break
      if (c === ':' && colon === -1) colon = i
      i++
    }

    if (end !== -1 && colon !== -1 && end > colon + 1 && text[at + 3] !== '[') {
      out += text.slice(from, colon + 1) + '****'
      from = end
      count()
    } else {
      out += text.slice(from, at + 3)
      from = at + 3
    }
  }
}

/** `token = X` / `token=X` lines of netdata's INI files and env files (claim.conf, cloud.conf, /etc/default). */
function redactTokenLines(text: string, count: () => void): string {
  return text
    .split('\n')
    .map(line => {
      const eq = line.indexOf('=')
      if (eq === -1) return line
      const key = line
        .slice(0, eq)
        .trim()
        .replace(/^export\s+/, '')
      if (!/^(#\s*)?(token|NETDATA_CLAIM_TOKEN|claim token|password)$/i.test(key)) return line
      if (line.slice(eq + 1).trim() === '') return line
      count()
      return line.slice(0, eq + 1) + ' [redacted]'
    })
    .join('\n')
}

export function makeScrubber(secrets: string[], anonymize: Array<{value: string; as: string}>): Scrubber {
  const known = [...new Set(secrets.filter(s => s && s.length >= 4))].sort((a, b) => b.length - a.length)
  const ids = anonymize.filter(a => a.value && a.value.length >= 8)
  const counts: Record<string, number> = {
    anonymized: 0,
    'known secret': 0,
    'private key': 0,
    'token line': 0,
    'url password': 0,
  }
  const bump = (k: string) => () => {
    counts[k]++
  }

  const scrub = (input: string): string => {
    let text = input
    for (const s of known) {
      const parts = text.split(s)
      if (parts.length > 1) {
        counts['known secret'] += parts.length - 1
        text = parts.join('[redacted]')
      }
    }

    const before = text
    text = redactSecrets(text) // PEM private keys (and anything registered in this process)
    if (text !== before) counts['private key']++
    text = redactUrlPasswords(text, bump('url password'))
    text = redactTokenLines(text, bump('token line'))
    for (const id of ids) {
      for (const form of [id.value, id.value.toLowerCase(), id.value.toUpperCase()]) {
        const parts = text.split(form)
        if (parts.length > 1) {
          counts.anonymized += parts.length - 1
          text = parts.join(id.as)
        }
      }
    }

    return text
  }

  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(x => strip(x))
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [
          k,
          SECRET_KEY.test(k) && typeof x === 'string' && x !== '' ? '[redacted]' : strip(x),
        ]),
      )
    return v
  }

  return {counts, json: value => scrub(JSON.stringify(strip(value), null, 2) + '\n'), scrub}
}
