// The one table of causes and fixes: what an agent log line, a netdata-claim.sh / kickstart exit code, a Cloud
// `errorMsgKey`, an MQTT CONNACK reason code or an OpenSSL verify error means, which step of the link it belongs to,
// which agent eras say it, and what to do. `explain`, `logs`, the fix lines of `link` and `claim`, and the README's
// troubleshooting section (generated from this table; test/cloud/causes.test.ts keeps them equal) all read it.
//
// Matchers are plain substring tests and digit scans (indexOf, no regular expressions over the untrusted line), so
// matching is linear in the line's length whatever it contains.

import type {ErrorCode} from '../base/errors.js'
import {BY_KEY, CLAIM_SCRIPT_EXIT} from './errors.js'
import type {StepId} from './link-types.js'

/** the link steps (link-types.ts), plus `claim` for the claim request itself */
export type CauseStep = 'claim' | StepId

export type Matcher =
  /** an agent log line: every string in `all` appears in it (case-sensitive, as the agent writes it) */
  | {kind: 'log'; all: string[]}
  /** the v1 netdata-claim.sh exit code (kickstart reports the same number) */
  | {kind: 'claimExit'; code: number}
  /** Cloud's errorMsgKey in a JSON body or in the agent's `Msg-Key:` log field */
  | {kind: 'errorMsgKey'; key: string}
  /** MQTT CONNACK reason code (MQTT 5) or return code (3.1.1) */
  | {kind: 'connack'; code: number; protocol: '3.1.1' | '5'}
  /** OpenSSL X509 verify error number (`SSL: certificate verify error 20:…`, `openssl verify` "error 20") */
  | {kind: 'verify'; code: number}

export interface Cause {
  /** stable id (kebab-case), used in --json and as the README anchor */
  id: string
  /** one line: what is wrong */
  cause: string
  step: CauseStep
  /** the agent eras this applies to, as the compatibility table names them (`all`, `v1.x`, `v2.x`, `v1.32+`…) */
  eras: string
  /** the failure class (errors.ts) this cause leads to; `ok` for lines that say things work */
  code: ErrorCode
  /** one line: what to do */
  fix: string
  match: Matcher[]
  /** the line says only that a step failed; the lines before it say why (status prefers those) */
  summary?: true
}

const log = (...all: string[]): Matcher => ({all, kind: 'log'})
const exit = (code: number): Matcher => ({code, kind: 'claimExit'})
const key = (k: string): Matcher => ({key: k, kind: 'errorMsgKey'})
const verify = (code: number): Matcher => ({code, kind: 'verify'})
const connack5 = (code: number): Matcher => ({code, kind: 'connack', protocol: '5'})
const connack3 = (code: number): Matcher => ({code, kind: 'connack', protocol: '3.1.1'})

/** The claim answers come from cloud/errors.ts (BY_KEY: errorMsgKey → message, fix, script exit): one source. */
const CLAIM_LOG: Record<string, string[][]> = {
  ErrForbidden: [['CLAIM: ', 'token is expired, not found, or invalid']],
  ErrInvalidNodeID: [['CLAIM: ', 'node id']],
  ErrInvalidNodeName: [['CLAIM: ', 'node name']],
  ErrInvalidRoomID: [['CLAIM: ', 'room id']],
  ErrInvalidPublicKey: [['CLAIM: ', 'public key']],
  ErrAlreadyClaimed: [['CLAIM: ', 'already claimed']],
  ErrProcessingClaim: [['CLAIM: ', 'processing claiming']],
}

const claimCauses: Cause[] = Object.entries(BY_KEY).map(([k, known]) => ({
  cause: known.message,
  code: known.code,
  eras: 'all',
  fix: known.fix,
  id: `claim-${k
    .slice(3)
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toLowerCase()}`,
  match: [key(k), exit(known.scriptExit), ...(CLAIM_LOG[k] ?? []).map(a => log(...a))],
  step: 'claim',
}))

/** The rest of the script's exit codes (those BY_KEY does not cover), with the script's own words. */
const SCRIPT_ONLY: Array<{exit: number; code: ErrorCode; step: CauseStep; fix: string; id: string}> = [
  {
    code: 'usage',
    exit: 1,
    fix: 'check the script arguments (-token= -rooms= -url=); wget cannot use a SOCKS proxy: install curl',
    id: 'claim-script-usage',
    step: 'claim',
  },
  {
    code: 'permission',
    exit: 2,
    fix: 'make cloud.d writable by the agent user (chown -R netdata:netdata /var/lib/netdata/cloud.d), then claim again',
    id: 'claim-script-workdir',
    step: 'claim',
  },
  {
    code: 'noAclk',
    exit: 3,
    fix: "install a build with Netdata Cloud support (Debian's package is --disable-cloud), or install curl and openssl",
    id: 'claim-script-dependencies',
    step: 'claim',
  },
  {
    code: 'tcp',
    exit: 4,
    fix: 'check DNS, the firewall and the proxy: netdata-cloud link names the failing step',
    id: 'claim-script-connect',
    step: 'tcp',
  },
  {
    code: 'agentUnreachable',
    exit: 5,
    fix: 'the node is claimed but the agent was not told: run netdatacli reload-claiming-state, or restart the agent',
    id: 'claim-script-cli',
    step: 'agent',
  },
  {
    code: 'permission',
    exit: 6,
    fix: 'run the claim as root or as the agent user (sudo -u netdata, or netdata-cloud claim as root)',
    id: 'claim-script-user',
    step: 'claim',
  },
  {
    code: 'cloudApi',
    exit: 7,
    fix: 'the script got no known answer (often: no answer at all after 3 attempts): run netdata-cloud link to find the failing step',
    id: 'claim-script-unknown-http',
    step: 'claim',
  },
  {
    code: 'permission',
    exit: 18,
    fix: 'make <varlib>/registry/netdata.public.unique.id readable (and the registry dir writable) by the user that claims',
    id: 'claim-script-unique-id',
    step: 'claim',
  },
]

const scriptCauses: Cause[] = SCRIPT_ONLY.map(s => ({
  cause: `netdata-claim.sh: ${CLAIM_SCRIPT_EXIT[s.exit]} (exit ${s.exit})`,
  code: s.code,
  eras: 'v1.x',
  fix: s.fix,
  id: s.id,
  match: [exit(s.exit)],
  step: s.step,
}))

const TLS_TRUST_FIX =
  "the agent's OpenSSL does not trust the server's issuer: a TLS-inspecting proxy or a private CA; exempt Netdata Cloud from inspection, or add the CA to the system store (or SSL_CERT_FILE in the agent's environment); for claiming also cloud.d/trusted.pem (v2) / cloud_fullchain.pem (v1)"

/** Everything else: agent log lines, the OTP and MQTT keys, CONNACK codes, verify errors. */
const OTHER: Cause[] = [
  // settings
  {
    cause: "this build has no ACLK (Debian's package is built --disable-cloud): it can never link",
    code: 'noAclk',
    eras: 'v1.x',
    fix: "install a Netdata build with Cloud support (Netdata's own packages or kickstart.sh)",
    id: 'no-aclk',
    match: [log("This agent doesn't have ACLK"), log('built with --disable-cloud'), log('cannot be claimed')],
    step: 'settings',
  },
  {
    cause: 'claiming is refused: cloud functionality is disabled (--disable-cloud build, or cloud.conf enabled = no)',
    code: 'cloudDisabled',
    eras: 'v1.x',
    fix: 'netdata-cloud status names which: a build without ACLK needs another build; enabled = no needs netdata-cloud enable',
    id: 'cloud-disabled',
    match: [
      log('Refusing to claim agent', 'cloud functionality has been disabled'),
      log('The claiming feature has been explicitly disabled'),
    ],
    step: 'settings',
  },
  {
    cause: 'there is no cloud.conf yet: the agent runs with its defaults (normal before the first claim)',
    code: 'ok',
    eras: 'v1.x',
    fix: 'nothing to do unless you expected a claim; netdata-cloud claim writes it',
    id: 'no-cloud-conf',
    match: [log('cannot load cloud config')],
    step: 'settings',
  },
  {
    cause: 'the node is not claimed (no claimed_id): the ACLK does not start',
    code: 'notClaimed',
    eras: 'all',
    fix: 'netdata-cloud claim --token-file FILE --rooms ROOM',
    id: 'not-claimed',
    match: [
      log('setting state to AGENT_UNCLAIMED'),
      log('Agent not claimed'),
      log('ACLK environment (agent is not claimed)'),
    ],
    step: 'settings',
  },
  {
    cause: '`aclk implementation = legacy` in netdata.conf: v1.33–v1.36 have only ACLK-NG and ignore it',
    code: 'unsupported',
    eras: 'v1.33–v1.36',
    fix: 'remove `aclk implementation` from netdata.conf [cloud] (netdata-cloud implementation shows what is used)',
    id: 'legacy-ignored',
    match: [log('Legacy ACLK is not supported anymore')],
    step: 'settings',
  },
  {
    cause: 'netdata.conf asks for an ACLK implementation this v1.32 build does not have: it uses the other one',
    code: 'unsupported',
    eras: 'v1.32',
    fix: 'netdata-cloud implementation (no argument) shows what this build has; set that, or remove the key',
    id: 'implementation-missing',
    match: [log('Configuration requests ACLK-', 'but it is not available in this agent')],
    step: 'settings',
  },
  // proxy
  {
    cause: 'a SOCKS5 proxy is configured but this agent cannot use one for the ACLK (the ACLK thread exits)',
    code: 'proxy',
    eras: 'v1.31–v2.9',
    fix: 'use an HTTP proxy (http://host:port) in [cloud] proxy / cloud.conf proxy, or upgrade to v2.10+',
    id: 'socks-unsupported',
    match: [log('SOCKS5 proxy is not supported by ACLK-NG'), log('set to use SOCKS5 proxy but Libwebsockets')],
    step: 'proxy',
  },
  {
    cause: 'the proxy wants credentials (407 Proxy Authentication Required)',
    code: 'proxy',
    eras: 'all',
    fix: 'put user:password in the proxy URL (http://user:password@host:port; v1.38+ send them for HTTPS too)',
    id: 'proxy-auth',
    match: [
      log('HTTP proxy CONNECT', 'failed with status 407'),
      log('SOCKS5 auth failed'),
      log('SOCKS5 proxy requires username/password'),
    ],
    step: 'proxy',
  },
  // dns / tcp
  {
    cause: 'the Cloud host name does not resolve on this node (DNS)',
    code: 'dns',
    eras: 'all',
    fix: 'check /etc/resolv.conf and that the nameservers answer; behind a proxy use socks5h:// or an HTTP proxy',
    id: 'dns',
    match: [
      log('Could not resolve host'),
      log("Couldn't resolve host"),
      log('getaddrinfo'),
      log('Cannot resolve host'),
      log('Name or service not known'),
    ],
    step: 'dns',
  },
  {
    cause: 'the TCP connection to Netdata Cloud (or the proxy) failed',
    code: 'tcp',
    eras: 'all',
    fix: 'allow outgoing TCP 443 to the Cloud hosts (netdata-cloud status --endpoints lists them) or fix the proxy address',
    id: 'tcp',
    match: [
      log('Connection refused'),
      log("Couldn't connect to server"),
      log('Could not connect to server'),
      log('No route to host'),
      log('Network is unreachable'),
      log('error connecting TCP socket'),
      log('Error connecting TCP socket'),
    ],
    step: 'tcp',
  },
  // tls
  {
    cause:
      "the claim request's TLS check failed: libcurl trusts only cloud.d/trusted.pem (v2) or cloud_fullchain.pem (v1) for claiming",
    code: 'tls',
    eras: 'all',
    fix: "put the CA that signs the Cloud's (or the TLS-inspecting proxy's) certificate in cloud.d/trusted.pem (v2) / cloud_fullchain.pem (v1); netdata-cloud claim --ca FILE does it",
    id: 'claim-tls',
    match: [
      log('CLAIM: ', 'SSL peer certificate or SSH remote key was not OK'),
      log('CLAIM: ', 'SSL certificate problem'),
    ],
    step: 'tls',
  },
  {
    cause: "the server's certificate is not yet valid: almost always this node's clock is behind",
    code: 'clock',
    eras: 'all',
    fix: 'set the clock: timedatectl set-ntp true (or chronyd/ntpd); netdata-cloud link compares it with the server',
    id: 'tls-not-yet-valid',
    match: [verify(9)],
    step: 'tls',
  },
  {
    cause: "the server's certificate has expired, or this node's clock is ahead",
    code: 'clock',
    eras: 'all',
    fix: 'check the clock (date -u; timedatectl set-ntp true); if it is right, something intercepts TLS with an old certificate',
    id: 'tls-expired',
    match: [verify(10)],
    step: 'tls',
  },
  {
    cause: 'the server presents a self-signed certificate: something intercepts TLS (proxy, antivirus, captive portal)',
    code: 'tls',
    eras: 'all',
    fix: 'exempt Netdata Cloud from TLS inspection; v2 `insecure = yes` waives only this case (testing only)',
    id: 'tls-self-signed',
    match: [verify(18)],
    step: 'tls',
  },
  {
    cause: "the server's chain ends in an untrusted self-signed root (a private CA or a TLS-inspecting proxy)",
    code: 'tls',
    eras: 'all',
    fix: TLS_TRUST_FIX,
    id: 'tls-untrusted-root',
    match: [verify(19)],
    step: 'tls',
  },
  {
    cause: "the issuer of the server's certificate is unknown to this node (private CA or TLS-inspecting proxy)",
    code: 'tls',
    eras: 'all',
    fix: TLS_TRUST_FIX,
    id: 'tls-unknown-issuer',
    match: [verify(20), verify(2), verify(21)],
    step: 'tls',
  },
  {
    cause: 'the certificate is for another host name: the URL, DNS or a proxy sends this node to another server',
    code: 'tls',
    eras: 'v2.11+ (the MQTT socket); claiming all',
    fix: 'check the cloud URL and what its name resolves to (netdata-cloud status --endpoints)',
    id: 'tls-host-mismatch',
    match: [verify(62), log('SSL: no alternative certificate subject name matches')],
    step: 'tls',
  },
  {
    cause: 'the TLS handshake failed (see the lines before it for the verify error)',
    code: 'tls',
    eras: 'all',
    fix: 'netdata-cloud link shows the certificate chain and the verify error',
    id: 'tls-handshake',
    summary: true,
    match: [log('failed to start SSL connection'), log('Failed to start SSL connection'), log('SSL_connect')],
    step: 'tls',
  },
  // env
  {
    cause: 'the agent could not get /api/v1/env from Netdata Cloud (the first ACLK request)',
    code: 'cloudApi',
    eras: 'v1.31+',
    fix: 'look at the line before it (TLS, DNS, HTTP code); netdata-cloud link walks the same request',
    id: 'env-failed',
    summary: true,
    match: [
      log('failed to get ACLK environment'),
      log('ACLK connection status: /env response code is not 200'),
      log('Failed to Get ACLK environment'),
      log('Error trying to contact env endpoint'),
    ],
    step: 'env',
  },
  {
    cause: "Cloud's /env lists no transport this agent speaks (v1.37+ need MQTTv5)",
    code: 'cloudApi',
    eras: 'v1.31+',
    fix: 'check that the cloud URL is Netdata Cloud (or a current emulator); upgrade a very old agent',
    id: 'env-no-transport',
    match: [log("didn't return any transport usable by this"), log('invalid /env transport idx')],
    step: 'env',
  },
  {
    cause:
      "Cloud's /env answer is not valid JSON (a proxy or captive portal answered, or the URL is not Netdata Cloud)",
    code: 'cloudApi',
    eras: 'v1.31+',
    fix: 'check the cloud URL (curl https://app.netdata.cloud answers 404 with JSON) and any proxy that rewrites HTTPS',
    id: 'env-bad-json',
    match: [log('ENV response is not JSON'), log('ENV response is empty')],
    step: 'env',
  },
  {
    cause: 'Netdata Cloud has banned this node (non-retryable error)',
    code: 'auth',
    eras: 'v1.33+',
    fix: 'remove the node in the Cloud UI, then netdata-cloud unclaim and claim again; if unexpected, contact Netdata support with the claim id',
    id: 'banned',
    match: [
      key('ErrNodeBanned'),
      log('Banned By Cloud'),
      log('Agent is banned from Netdata Cloud'),
      log('but it is banned'),
    ],
    step: 'env',
  },
  {
    cause: 'Netdata Cloud answered an error to an ACLK HTTPS request (EC = its error code, Msg-Key = its key)',
    code: 'cloudApi',
    eras: 'v1.33+',
    fix: 'explain the Msg-Key (netdata-cloud explain ErrX); a 5xx is Cloud-side: wait, check https://status.netdata.cloud',
    id: 'cloud-error',
    match: [log('Cloud returned EC=')],
    step: 'env',
  },
  // challenge
  {
    cause: "the challenge could not be decrypted with the node's private key: the key pair is not the one Cloud has",
    code: 'auth',
    eras: 'v1.31+',
    fix: 'claim again with a fresh key pair: netdata-cloud unclaim --rotate-key --yes, then netdata-cloud claim',
    id: 'challenge-key',
    match: [
      log('oaep decoding error'),
      log("Couldn't decrypt the challenge"),
      log('Decryption of the challenge failed'),
      log('otp challenge decryption failed'),
    ],
    step: 'challenge',
  },
  {
    cause: 'Cloud rejected the answer to the challenge (wrong key, or the challenge was already used)',
    code: 'auth',
    eras: 'v1.31+',
    fix: 'claim again with a fresh key pair: netdata-cloud unclaim --rotate-key --yes, then netdata-cloud claim',
    id: 'challenge-rejected',
    match: [key('ErrInvalidChallengeResponse'), key('ErrChallengeNotFound')],
    step: 'challenge',
  },
  {
    cause: 'Cloud does not know this claim id (the node was removed in Cloud, or claimed against another Cloud URL)',
    code: 'notClaimed',
    eras: 'v1.31+',
    fix: 'claim the node again: netdata-cloud claim --force',
    id: 'node-not-found',
    match: [key('ErrNodeNotFound')],
    step: 'challenge',
  },
  // mqtt
  {
    cause: 'the WebSocket upgrade of /mqtt failed: a proxy or load balancer in the way does not pass WebSockets',
    code: 'mqtt',
    eras: 'v1.31+',
    fix: 'allow WebSocket Upgrade to the MQTT host (netdata-cloud status --endpoints), or exempt it from the proxy',
    id: 'ws-upgrade',
    match: [log('HTTP return code not 101'), log('Missing sec-websocket-accept header')],
    step: 'mqtt',
  },
  {
    cause: 'the MQTT broker refused the CONNECT (the reason code says why)',
    code: 'mqtt',
    eras: 'v1.31+',
    fix: 'explain the code: netdata-cloud explain "connack N"; 134/135 mean the credentials from /password were not accepted',
    id: 'connack-error',
    match: [log('MQTT CONNACK returned error')],
    step: 'mqtt',
  },
  {
    cause: 'MQTT CONNACK: not authorized (135): the broker does not accept the credentials /password gave',
    code: 'mqtt',
    eras: 'v1.36+ (MQTT 5); 3.1.1 code 5',
    fix: 'credentials are issued per connection: try again (the agent retries by itself); if it lasts, re-claim the node (netdata-cloud claim --force) and check that no clone uses the same claim id',
    id: 'connack-not-authorized',
    match: [connack5(135), connack3(5)],
    step: 'mqtt',
  },
  {
    cause: 'MQTT CONNACK: bad user name or password (134)',
    code: 'mqtt',
    eras: 'v1.36+ (MQTT 5); 3.1.1 code 4',
    fix: 'the password from /password was refused: check that nothing else connects with this claim id (cloned node), then re-claim',
    id: 'connack-bad-password',
    match: [connack5(134), connack3(4)],
    step: 'mqtt',
  },
  {
    cause: 'MQTT CONNACK: client identifier not valid (133): the client id is not the claim id /password issued',
    code: 'mqtt',
    eras: 'v1.36+ (MQTT 5); 3.1.1 code 2',
    fix: 'restart the agent; if it lasts, claim again (netdata-cloud claim --force)',
    id: 'connack-client-id',
    match: [connack5(133), connack3(2)],
    step: 'mqtt',
  },
  {
    cause: 'MQTT CONNACK: the broker is unavailable or busy (136/137; 3.1.1: 3)',
    code: 'mqtt',
    eras: 'v1.31+',
    fix: 'nothing on this node: the agent reconnects with back-off; check https://status.netdata.cloud',
    id: 'connack-unavailable',
    match: [connack5(136), connack5(137), connack3(3)],
    step: 'mqtt',
  },
  {
    cause: 'MQTT CONNACK: banned (138)',
    code: 'auth',
    eras: 'v1.36+ (MQTT 5)',
    fix: 'remove the node in the Cloud UI, then netdata-cloud unclaim and claim again; contact Netdata support if unexpected',
    id: 'connack-banned',
    match: [connack5(138)],
    step: 'mqtt',
  },
  {
    cause:
      'MQTT CONNACK: unsupported protocol version (132; 3.1.1: 1): the agent speaks an MQTT level the broker refuses',
    code: 'mqtt',
    eras: 'v1.35–v1.36 (`[cloud] mqtt5`)',
    fix: 'v1.35/v1.36: set `[cloud] mqtt5 = yes` (netdata-cloud set cloud.mqtt5 yes); other eras: upgrade the agent',
    id: 'connack-protocol',
    match: [connack5(132), connack3(1)],
    step: 'mqtt',
  },
  {
    cause: 'MQTT CONNACK: the broker says use another server / server moved (156/157)',
    code: 'mqtt',
    eras: 'v1.36+ (MQTT 5)',
    fix: 'nothing on this node: the agent asks /env again; if it lasts, check the cloud URL',
    id: 'connack-moved',
    match: [connack5(156), connack5(157)],
    step: 'mqtt',
  },
  {
    cause:
      'MQTT CONNACK: the broker failed the CONNECT (malformed, protocol error, quota or rate limit: 128–131, 149, 151, 159)',
    code: 'mqtt',
    eras: 'v1.36+ (MQTT 5)',
    fix: 'the agent retries; if it lasts, upgrade the agent and report the code with netdata-cloud report',
    id: 'connack-other',
    match: [128, 129, 130, 131, 140, 144, 149, 151, 153, 159].map(c => connack5(c)),
    step: 'mqtt',
  },
  {
    cause: 'the ACLK connection went down (Cloud or a proxy dropped it, or the agent is stopping)',
    code: 'mqtt',
    eras: 'v1.31+',
    fix: 'nothing if the agent was stopping; else the agent reconnects: a proxy that cuts long WebSockets needs a longer idle timeout',
    id: 'mqtt-dropped',
    match: [log('ACLK link is down'), log('WebSocket server closed the connection')],
    step: 'mqtt',
  },
  {
    cause: 'the HTTP proxy refused the CONNECT tunnel to Netdata Cloud',
    code: 'proxy',
    eras: 'all',
    fix: "check the proxy's allowed CONNECT ports (443) and that it can reach Netdata Cloud; netdata-cloud link tests the tunnel",
    id: 'proxy-connect',
    match: [
      log('HTTP proxy CONNECT to', 'failed with status'),
      log('Failed to CONNECT with proxy'),
      log('SOCKS5 CONNECT failed'),
    ],
    step: 'proxy',
  },
  {
    cause: 'the proxy setting has a form the agent does not understand (it connects directly or not at all)',
    code: 'invalidConfig',
    eras: 'v1.x',
    fix: 'write the proxy as http://[user:pass@]host:port or socks5[h]://host:port (netdata-cloud set cloud.proxy URL)',
    id: 'proxy-format',
    match: [log('defined but of unknown format')],
    step: 'proxy',
  },
  {
    cause: 'the agent could not pass the challenge/response to get its MQTT password (the lines around it say why)',
    code: 'auth',
    eras: 'v1.31+',
    fix: 'look at the Msg-Key or HTTP code next to it; netdata-cloud link walks the same challenge',
    id: 'otp-failed',
    match: [
      log('error passing Challenge/Response to get OTP'),
      log('Error passing Challenge/Response to get OTP'),
      log('otp password response is not http/201'),
      log('OTP Password HTTP code not 201'),
    ],
    step: 'challenge',
  },
  {
    cause: 'the connection to the MQTT endpoint (WebSocket over TLS) failed; the lines before it say at which stage',
    code: 'mqtt',
    eras: 'v1.31+',
    fix: 'netdata-cloud link walks the same connection and names the stage (TCP, TLS, upgrade, CONNACK)',
    id: 'mqtt-connect-failed',
    summary: true,
    match: [log('Error connecting to MQTT WSS server'), log('ACLK: connection failed')],
    step: 'mqtt',
  },
  // the good ones: lines that say a step worked (so `logs` can show progress, not only failures)
  {
    cause: 'the ACLK is connected to Netdata Cloud (MQTT accepted)',
    code: 'ok',
    eras: 'all',
    fix: 'nothing to do',
    id: 'connected',
    match: [
      log('connection successfully established'),
      log('MQTT Connection Accepted By Server'),
      log('ACLK connection status: connected'),
    ],
    step: 'mqtt',
  },
  {
    cause: 'the node has a claim id: the ACLK will try to connect',
    code: 'ok',
    eras: 'all',
    fix: 'nothing to do',
    id: 'claimed',
    match: [
      log('Found a valid claimed_id'),
      log('was found. Setting state to AGENT_CLAIMED'),
      log('CLAIM: ', 'successfully'),
      log('Agent claimed successfully'),
    ],
    step: 'claim',
  },
]

export const CAUSES: Cause[] = [...OTHER, ...claimCauses, ...scriptCauses]

// ---- parsing of the input forms, linear, no regular expressions ----

const isDigit = (c: string) => c >= '0' && c <= '9'

/** the decimal number right after `marker` in `text` (first occurrence), or undefined */
export function numberAfter(text: string, marker: string): number | undefined {
  const at = text.indexOf(marker)
  if (at === -1) return undefined
  let i = at + marker.length
  while (text[i] === ' ') i++
  let end = i
  while (end < text.length && end - i < 6 && isDigit(text[end])) end++
  return end > i ? Number(text.slice(i, end)) : undefined
}

/** an `Err…` key: `Err` then letters, starting at a word boundary */
export function errorKeysIn(text: string): string[] {
  const found: string[] = []
  let from = 0
  for (;;) {
    const at = text.indexOf('Err', from)
    if (at === -1) return found
    let end = at + 3
    while (end < text.length && end - at < 64 && /[A-Za-z]/.test(text[end])) end++
    const before = at === 0 ? ' ' : text[at - 1]
    if (end > at + 4 && !/[A-Za-z0-9]/.test(before)) found.push(text.slice(at, end))
    from = end
  }
}

export type Form = 'claimExit' | 'connack' | 'errorMsgKey' | 'log' | 'verify'

export interface Explanation {
  /** what was recognised: `agent log line`, `claim script exit 12`, `MQTT CONNACK 135`, `errorMsgKey X`… */
  recognised: string
  form: Form
  cause: Cause
}

function byMatcher(pred: (m: Matcher) => boolean): Cause[] {
  return CAUSES.filter(c => c.match.some(m => pred(m)))
}

/** The MQTT 5 codes a CONNACK number stands for, and the 3.1.1 ones (1–5) */
function connackCauses(code: number, protocol?: '3.1.1' | '5'): Cause[] {
  const p = protocol ?? (code < 128 ? '3.1.1' : '5')
  return byMatcher(m => m.kind === 'connack' && m.code === code && m.protocol === p)
}

/**
 * Explain one line. Recognised forms: an agent log line (any era's wording), `exit N` / `netdata-claim.sh exit N` /
 * `kickstart exit N`, an `Err…` key, `connack N` / `MQTT CONNACK returned error N`, `verify error N` /
 * `SSL: certificate verify error N:…`. A line can carry more than one (a log line with a Msg-Key): all are returned,
 * the most specific first. Nothing recognised: an empty list (never a guess).
 */
export function explainLine(line: string): Explanation[] {
  const text = line.length > 4096 ? line.slice(0, 4096) : line
  const lower = text.toLowerCase()
  const out: Explanation[] = []
  const add = (recognised: string, form: Form, causes: Cause[]) => {
    for (const cause of causes) if (!out.some(e => e.cause.id === cause.id)) out.push({cause, form, recognised})
  }

  // specific numbers first: they say more than the generic line
  const verifyCode = numberAfter(lower, 'verify error:num=') ?? numberAfter(lower, 'verify error')
  if (verifyCode !== undefined)
    add(
      `OpenSSL verify error ${verifyCode}`,
      'verify',
      byMatcher(m => m.kind === 'verify' && m.code === verifyCode),
    )

  const connack = numberAfter(lower, 'connack returned error') ?? numberAfter(lower, 'connack')
  if (connack !== undefined) {
    const hex = lower.includes('connack 0x')
      ? Number.parseInt(lower.slice(lower.indexOf('connack 0x') + 8, lower.indexOf('connack 0x') + 12), 16)
      : connack
    const protocol = lower.includes('3.1.1')
      ? '3.1.1'
      : lower.includes('mqtt 5') || lower.includes('mqtt5')
        ? '5'
        : undefined
    add(`MQTT CONNACK ${hex}`, 'connack', connackCauses(hex, protocol))
  }

  for (const k of errorKeysIn(text))
    add(
      `errorMsgKey ${k}`,
      'errorMsgKey',
      byMatcher(m => m.kind === 'errorMsgKey' && m.key === k),
    )

  const trimmed = lower.trim()
  const exitCode =
    numberAfter(lower, 'netdata-claim.sh exit') ??
    numberAfter(lower, 'kickstart exit') ??
    numberAfter(lower, 'claim exit') ??
    numberAfter(lower, 'exit code') ??
    (trimmed.startsWith('exit') ? numberAfter(trimmed, 'exit') : undefined)
  if (exitCode !== undefined)
    add(
      `claim script exit ${exitCode}`,
      'claimExit',
      byMatcher(m => m.kind === 'claimExit' && m.code === exitCode),
    )

  // the longest match is the most specific: `Cloud returned EC=… Msg-Key:"ErrNodeBanned"` before the generic EC line
  const weight = (c: Cause) =>
    Math.max(...c.match.map(m => (m.kind === 'log' && m.all.every(s => text.includes(s)) ? m.all.join('').length : 0)))
  const logged = byMatcher(m => m.kind === 'log' && m.all.every(s => text.includes(s))).sort(
    (a, b) => weight(b) - weight(a),
  )
  add('agent log line', 'log', logged)
  return out
}

/** A bare number names no form: `explain` says which forms to write instead of guessing. */
export function isBareNumber(text: string): boolean {
  const t = text.trim()
  return t.length > 0 && t.length < 8 && [...t].every(c => isDigit(c))
}

/** The cause with this id (fix lines of link and claim come from here). */
export function causeById(id: string): Cause {
  const c = CAUSES.find(x => x.id === id)
  if (!c) throw new Error(`no cause ${id}`)
  return c
}

/** The fix for an OpenSSL/Node verify failure, by the Node error code link's TLS step sees. */
export function fixForTlsCode(code: string): string | undefined {
  const n = NODE_TLS_CODES[code]
  return n === undefined ? undefined : CAUSES.find(c => c.match.some(m => m.kind === 'verify' && m.code === n))?.fix
}

/** Node's TLS error codes → the OpenSSL verify number they stand for. */
export const NODE_TLS_CODES: Record<string, number> = {
  CERT_HAS_EXPIRED: 10,
  CERT_NOT_YET_VALID: 9,
  DEPTH_ZERO_SELF_SIGNED_CERT: 18,
  ERR_TLS_CERT_ALTNAME_INVALID: 62,
  SELF_SIGNED_CERT_IN_CHAIN: 19,
  UNABLE_TO_GET_ISSUER_CERT: 2,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 20,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 21,
}

/** The fix for a CONNACK reason code (link's MQTT step). */
export function fixForConnack(code: number, protocol: '3.1.1' | '5'): string | undefined {
  return connackCauses(code, protocol)[0]?.fix
}

/** The README troubleshooting section, generated from the table (test/cloud/causes.test.ts keeps them equal). */
export function troubleshootingMarkdown(): string {
  const describe = (m: Matcher): string => {
    switch (m.kind) {
      case 'claimExit': {
        return `exit ${m.code}`
      }

      case 'connack': {
        return `CONNACK ${m.code}${m.protocol === '3.1.1' ? ' (3.1.1)' : ''}`
      }

      case 'errorMsgKey': {
        return `\`${m.key}\``
      }

      case 'log': {
        return m.all.map(s => `\`${s.trim()}\``).join(' … ')
      }

      case 'verify': {
        return `verify ${m.code}`
      }
    }
  }

  const esc = (s: string) => s.replace(/\|/g, String.raw`\|`)
  const rows = CAUSES.map(
    c =>
      `| ${c.step} | ${esc(c.match.map(m => describe(m)).join(', '))} | ${esc(c.cause)} | ${esc(c.eras)} | ${esc(c.fix)} |`,
  )
  return ['| step | what you see | cause | eras | fix |', '| --- | --- | --- | --- | --- |', ...rows].join('\n') + '\n'
}
