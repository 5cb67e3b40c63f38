// The node's RSA-2048 key pair in cloud.d (netdata-facts.md §2.3): what `openssl genrsa 2048` + `openssl rsa -pubout`
// do in the v1 claim script, and what the v2 agent writes itself. Private key PKCS#8 PEM, 0600, owner `run as user`;
// public key SPKI PEM (`BEGIN PUBLIC KEY`). Written through the one writer; the private key never leaves this process.

import {createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject} from 'node:crypto'

import {readTextFile} from '../config/read.js'
import {type FileOwner, writeFileAtomically} from '../config/write.js'
import {UserError} from '../base/errors.js'

export const KEY_MODES = {privateKey: 0o600, publicKey: 0o644} as const

export interface KeyPairPaths {
  privateKey: string
  publicKey: string
}

export interface KeyPairState {
  /** the public key PEM that matches the private key (what the claim request sends) */
  publicPem: string
  /** files written (or, in a dry run, that would be written) */
  written: string[]
  /** `existing`, `generated`, or `public derived` (public.pem missing or not matching private.pem) */
  action: 'existing' | 'generated' | 'public-derived'
}

export function generateKeyPair(): {privatePem: string; publicPem: string} {
  const {privateKey, publicKey} = generateKeyPairSync('rsa', {modulusLength: 2048, publicExponent: 0x1_00_01})
  return {
    privatePem: privateKey.export({format: 'pem', type: 'pkcs8'}) as string,
    publicPem: publicKey.export({format: 'pem', type: 'spki'}) as string,
  }
}

function parsePrivate(pem: string, path: string): KeyObject {
  try {
    const key = createPrivateKey(pem)
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`not an RSA key (${key.asymmetricKeyType})`)
    return key
  } catch (error) {
    throw new UserError('badInput', `${path}: the private key does not parse (${(error as Error).message})`, {
      fix: 'move it away (or run `netdata-cloud unclaim --rotate-key --yes`) so a new key pair is generated',
      ref: path,
    })
  }
}

/**
 * Make sure the pair exists and matches. A private key is never replaced (the agent authenticates with it); when
 * public.pem is missing or does not match, it is derived from private.pem. `dryRun` computes without writing.
 */
export function ensureKeyPair(
  paths: KeyPairPaths,
  owner: FileOwner | undefined,
  options: {dryRun?: boolean; createDir?: {mode: number; owner?: FileOwner}} = {},
): KeyPairState {
  // the key files sit in cloud.d, which the agent's user owns: no symlink, no hard link, no stranger's file
  const owners = [...new Set([0, process.geteuid?.() ?? 0, ...(owner ? [owner.uid] : [])])]
  const privateText = readTextFile(paths.privateKey, 'private key', 64 * 1024, {owners})
  if (privateText === null) {
    const pair = generateKeyPair()
    if (!options.dryRun) {
      writeFileAtomically(paths.privateKey, pair.privatePem, {
        createDir: options.createDir,
        mode: KEY_MODES.privateKey,
        owner,
        what: 'private key',
      })
      writeFileAtomically(paths.publicKey, pair.publicPem, {
        createDir: options.createDir,
        mode: KEY_MODES.publicKey,
        owner,
        what: 'public key',
      })
    }

    return {action: 'generated', publicPem: pair.publicPem, written: [paths.privateKey, paths.publicKey]}
  }

  const derived = createPublicKey(parsePrivate(privateText, paths.privateKey)).export({
    format: 'pem',
    type: 'spki',
  }) as string
  const publicText = readTextFile(paths.publicKey, 'public key', 64 * 1024, {owners})
  let matches = false
  if (publicText !== null) {
    try {
      matches = createPublicKey(publicText)
        .export({format: 'der', type: 'spki'})
        .equals(createPublicKey(derived).export({format: 'der', type: 'spki'}))
    } catch {}
  }

  if (matches) return {action: 'existing', publicPem: publicText!, written: []}
  if (!options.dryRun)
    writeFileAtomically(paths.publicKey, derived, {
      createDir: options.createDir,
      mode: KEY_MODES.publicKey,
      owner,
      what: 'public key',
    })
  return {action: 'public-derived', publicPem: derived, written: [paths.publicKey]}
}
