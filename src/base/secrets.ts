// The scrubber every printed line passes through (tailscale's rule: secrets never reach a terminal or a log).
// Callers redact what they know is secret; this catches what slipped through: registered secrets and PEM keys.

const secrets = new Set<string>()

/** Register a secret value (claim token, MQTT password, proxy password) so it is never printed. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value)
}

/** `****` plus the last 4 characters at most. */
export function mask(value: string | undefined): string {
  if (!value) return ''
  // the tail shown is of the value without control characters: a mask never carries an escape sequence to a terminal
  const clean = value.replace(/[\u0000-\u001F\u007F-\u009F]/g, '')
  return clean.length <= 8 ? '****' : '****' + clean.slice(-4)
}

export function redactSecrets(text: string): string {
  let out = text.replace(
    /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g,
    '[private key redacted]',
  )
  for (const s of secrets) out = out.split(s).join(mask(s))
  return out
}

/** `http://user:secret@host:3128` → `http://user:****@host:3128` */
export function redactUrl(value: string): string {
  return value.replace(/^([a-z\d+.-]+:\/\/[^:/@]*):[^@/]*@/i, '$1:****@')
}

/**
 * Every `scheme://user:password@` in a text → `scheme://user:****@` (a proxy password on a cloud.conf line). Linear:
 * each `://` is found with indexOf and the scan resumes where the previous one stopped.
 */
export function redactUrlCredentials(text: string): string {
  let out = ''
  let from = 0
  let i = text.indexOf('://')
  while (i !== -1) {
    let j = i + 3
    let colon = -1
    for (; j < text.length; j++) {
      const c = text[j]
      if (c === '/' || c === '@' || c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '"') break
      if (c === ':' && colon === -1) colon = j
    }

    if (text[j] === '@' && colon !== -1 && j > colon + 1) {
      out += text.slice(from, colon + 1) + '****'
      from = j
    }

    i = text.indexOf('://', Math.max(j, i + 3))
  }

  return from === 0 ? text : out + text.slice(from)
}
