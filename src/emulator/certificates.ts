// A throw-away CA and the leaf certificates the emulator serves, generated at start with node's webcrypto
// (EC P-256: milliseconds, where RSA-2048 keygen costs a third of a second). Agents' OpenSSL accepts P-256 leaves.
// The four certificate faults are leaves too, all pre-signed at start so setFaults() can switch them synchronously.

import {webcrypto} from 'node:crypto'
import {isIP} from 'node:net'

import 'reflect-metadata'
import * as x509 from '@peculiar/x509'

// webcrypto is stable in node 20; the rule means the global
// eslint-disable-next-line n/no-unsupported-features/node-builtins
x509.cryptoProvider.set(webcrypto as unknown as Crypto)

export type LeafKind = 'expired' | 'not-yet-valid' | 'self-signed' | 'valid' | 'wrong-host'

export interface CertificateSet {
  caPem: string
  /** PEM of the private key shared by every leaf */
  keyPem: string
  leaves: Record<LeafKind, string>
}

/** The name the wrong-host-cert fault's leaf is made out to (never resolvable: .invalid is reserved). */
export const WRONG_HOST_NAME = 'wrong-host.netdata-cloud-emulator.invalid'

const EC = {name: 'ECDSA', namedCurve: 'P-256'}
const SIGN = {name: 'ECDSA', hash: 'SHA-256'}
const DAY = 86_400_000

function subjectAltNames(hostnames: string[]): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension(
    hostnames.map(h => ({type: isIP(h) ? ('ip' as const) : ('dns' as const), value: h})),
  )
}

function serial(): string {
  // positive 16-byte serial (high bit clear)
  const bytes = webcrypto.getRandomValues(new Uint8Array(16))
  bytes[0] &= 0x7f
  return Buffer.from(bytes).toString('hex')
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key))
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`
}

export async function generateCertificates(hostnames: string[], now = Date.now()): Promise<CertificateSet> {
  const [caKeys, leafKeys] = await Promise.all([
    webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>,
    webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>,
  ])
  const caName = `CN=netdata-cloud emulator throw-away CA ${new Date(now).toISOString()}`
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: caName,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 30 * DAY),
    signingAlgorithm: SIGN,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  })
  const authorityKeyId = await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey)
  const leafExtensions = async (names: string[]) => [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    subjectAltNames(names),
    await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey),
  ]
  const signedByCa = async (names: string[], notBefore: number, notAfter: number) =>
    x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${names[0]}`,
      issuer: ca.subject,
      notBefore: new Date(notBefore),
      notAfter: new Date(notAfter),
      signingAlgorithm: SIGN,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      extensions: [...(await leafExtensions(names)), authorityKeyId],
    })

  const [valid, expired, notYetValid, wrongHost, selfSigned, keyPem] = await Promise.all([
    signedByCa(hostnames, now - DAY, now + 30 * DAY),
    signedByCa(hostnames, now - 60 * DAY, now - 2 * DAY),
    signedByCa(hostnames, now + 2 * DAY, now + 60 * DAY),
    signedByCa([WRONG_HOST_NAME], now - DAY, now + 30 * DAY),
    (async () =>
      x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: serial(),
        name: `CN=${hostnames[0]}`,
        notBefore: new Date(now - DAY),
        notAfter: new Date(now + 30 * DAY),
        signingAlgorithm: SIGN,
        keys: leafKeys,
        extensions: await leafExtensions(hostnames),
      }))(),
    privateKeyPem(leafKeys.privateKey),
  ])
  return {
    caPem: ca.toString('pem') + '\n',
    keyPem,
    leaves: {
      expired: expired.toString('pem') + '\n',
      'not-yet-valid': notYetValid.toString('pem') + '\n',
      'self-signed': selfSigned.toString('pem') + '\n',
      valid: valid.toString('pem') + '\n',
      'wrong-host': wrongHost.toString('pem') + '\n',
    },
  }
}
