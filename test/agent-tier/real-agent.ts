// A real Cloud-enabled Netdata Agent for the agent tier (issue 17, shared/real-agent/README.md): started from an
// install prefix (/opt/netdata = v2.11.0, /opt/netdata-v1 = v1.44.3, or any official install with Cloud support) in
// the foreground, with every directory in its own temp tree, its own web port and its own NETDATA_PIPENAME, with
// SSL_CERT_FILE = the emulator's CA; started directly, tracked and stopped by its pid.
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

/** The prefix the tier runs against (run.mjs sets it for each file, once per prefix). */
export function tierPrefix(): string {
  const p = process.env.NETDATA_CLOUD_TEST_AGENT ?? process.env.NETDATA_CLOUD_TEST_AGENTS?.split(',')[0]
  if (!p) throw new Error('NETDATA_CLOUD_TEST_AGENTS is not set: run `npm run test:agent` (see README "Testing")')
  return p
}

export interface AgentBinaries {
  prefix: string
  netdata: string
  netdatacli: string
  claimScript: string
  stockConfig: string
  plugins: string
  web: string
  /** `v2.11.0` */
  version: string
  major: number
  minor: number
  v2: boolean
}

export function binariesOf(prefix: string): AgentBinaries {
  const sbin = [join(prefix, 'usr/sbin'), join(prefix, 'bin')].find(d => existsSync(join(d, 'netdata')))
  if (!sbin) throw new Error(`${prefix}: no netdata binary in usr/sbin or bin`)
  const netdata = join(sbin, 'netdata')
  const v = spawnSync(netdata, ['-v'], {encoding: 'utf8', timeout: 10_000})
  const version = /v?(\d+\.\d+\.\d+)/.exec(`${v.stdout}${v.stderr}`)?.[0] ?? ''
  const m = /(\d+)\.(\d+)/.exec(version)
  if (!m) throw new Error(`${netdata} -v: no version in ${JSON.stringify(v.stdout + v.stderr)}`)
  const major = Number(m[1])
  return {
    claimScript: join(sbin, 'netdata-claim.sh'),
    major,
    minor: Number(m[2]),
    netdata,
    netdatacli: join(sbin, 'netdatacli'),
    plugins: join(prefix, 'usr/libexec/netdata/plugins.d'),
    prefix,
    stockConfig: join(prefix, 'usr/lib/netdata/conf.d'),
    v2: major >= 2,
    version: version.startsWith('v') ? version : `v${version}`,
    web: join(prefix, 'usr/share/netdata/web'),
  }
}

export interface AgentView {
  /** v2 /api/v3/info `cloud.status`; v1: online / offline / available (not claimed) */
  status: string
  online: boolean
  claimed: boolean
  claimId: null | string
  nodeId: null | string
  reason: null | string
  reconnectCount: null | number
  url: null | string
}

export interface RealAgent {
  bin: AgentBinaries
  pid: number
  port: number
  url: string
  dir: string
  etc: string
  lib: string
  cloudDir: string
  pipe: string
  logFile: string
  /** the environment the agent and netdatacli run with (NETDATA_PIPENAME, SSL_CERT_FILE, …) */
  env: NodeJS.ProcessEnv
  /** the CLI's flags that point it at this agent */
  cliFlags: string[]
  view(): Promise<AgentView>
  /** wait until `ok(view)`; throws with the last view and the log tail */
  waitFor(ok: (v: AgentView) => boolean, what: string, timeoutMs?: number): Promise<AgentView>
  log(): string
  /** netdatacli with this agent's pipe */
  netdatacli(args: string[]): {code: null | number; out: string}
  /** SIGTERM, wait for the exit, then start again with the same tree and port */
  restart(): Promise<void>
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address() as {port: number}
      s.close(() => resolve(port))
    })
  })
}

function configText(bin: AgentBinaries, dir: string, port: number, extra: string): string {
  const logs = bin.v2
    ? `[logs]\n    daemon = ${dir}/log/daemon.log\n    collector = ${dir}/log/collector.log\n    access = ${dir}/log/access.log\n    health = off\n    level = debug\n`
    : `[logs]\n    error log = ${dir}/log/daemon.log\n    daemon = ${dir}/log/daemon.log\n    collector = ${dir}/log/collector.log\n    access log = ${dir}/log/access.log\n    debug log = ${dir}/log/debug.log\n    health = off\n    level = debug\n`
  return `[global]
    run as user = root
    hostname = test-node
[db]
    mode = ram
    retention = 600
[directories]
    config = ${dir}/etc
    stock config = ${bin.stockConfig}
    log = ${dir}/log
    cache = ${dir}/cache
    lib = ${dir}/lib
    home = ${dir}/lib
    lock = ${dir}/lock
    plugins = ${bin.plugins}
    web = ${bin.web}
    registry = ${dir}/lib/registry
${logs}[web]
    bind to = 127.0.0.1:${port}
    default port = ${port}
[plugins]
    enable running new plugins = no
    proc = yes
[health]
    enabled = no
[ml]
    enabled = no
${extra}`
}

async function getJson(url: string): Promise<any> {
  const r = await fetch(url, {signal: AbortSignal.timeout(3000)})
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`)
  return r.json()
}

/**
 * Start the agent at `prefix`. `caPath` goes into SSL_CERT_FILE (what its ACLK trusts); `extraConf` is appended to
 * netdata.conf. The caller must call stop().
 */
export async function startRealAgent(
  prefix: string,
  options: {caPath?: string; extraConf?: string; env?: NodeJS.ProcessEnv} = {},
): Promise<RealAgent> {
  const bin = binariesOf(prefix)
  const dir = mkdtempSync('/tmp/nc-real-agent.')
  for (const d of ['etc', 'lib', 'lib/registry', 'cache', 'log', 'lock']) mkdirSync(join(dir, d), {recursive: true})
  const port = await freePort()
  const etc = join(dir, 'etc')
  const confPath = join(etc, 'netdata.conf')
  writeFileSync(confPath, configText(bin, dir, port, options.extraConf ?? ''))
  writeFileSync(join(etc, '.opt-out-from-anonymous-statistics'), '')
  const pipe = join(dir, 'netdata.pipe')
  const env: NodeJS.ProcessEnv = {
    DO_NOT_TRACK: '1',
    HOME: '/root',
    LANG: 'C.UTF-8',
    NETDATA_PIPENAME: pipe,
    PATH: `${join(prefix, 'usr/sbin')}:/usr/sbin:/usr/bin:/sbin:/bin`,
    ...(options.caPath ? {SSL_CERT_FILE: options.caPath} : {}),
    ...options.env,
  }
  const url = `http://127.0.0.1:${port}`
  // v1 agents read cloud.conf at start from the COMPILED-IN varlib (<prefix>/var/lib/netdata/cloud.d), whatever
  // [directories] lib says (netdata-facts.md §2; measured on v1.44.3: after a restart it went to app.netdata.cloud),
  // while claimed_id, the keys and `netdatacli reload-claiming-state` use the configured lib. An installed agent has
  // both in one place; here the compiled-in cloud.d is a symlink to this tree's, for the agent's lifetime (the tier
  // runs one agent at a time, under its lock).
  const compiledCloudDir = bin.v2 ? undefined : join(prefix, 'var/lib/netdata/cloud.d')
  if (compiledCloudDir) {
    mkdirSync(join(dir, 'lib/cloud.d'), {mode: 0o770})
    let st
    try {
      st = lstatSync(compiledCloudDir)
    } catch {}

    if (st && !st.isSymbolicLink())
      throw new Error(
        `${compiledCloudDir} exists and is not a symlink: the tier will not touch an agent's real cloud.d`,
      )
    if (st) unlinkSync(compiledCloudDir)
    mkdirSync(join(prefix, 'var/lib/netdata'), {recursive: true})
    symlinkSync(join(dir, 'lib/cloud.d'), compiledCloudDir)
  }

  let child: ChildProcess | undefined
  let exited: Promise<void>
  const logFile = join(dir, 'log/daemon.log')

  const launch = async () => {
    const c = spawn(bin.netdata, ['-D', '-c', confPath], {env, stdio: ['ignore', 'ignore', 'ignore']})
    child = c
    exited = new Promise(resolve => c.once('exit', () => resolve()))
    const deadline = Date.now() + 30_000
    for (;;) {
      try {
        await getJson(`${url}/api/v1/info`)
        return
      } catch {}

      if (c.exitCode !== null || c.signalCode !== null)
        throw new Error(`${bin.netdata} exited (${c.exitCode ?? c.signalCode}) before answering`)
      if (Date.now() > deadline) throw new Error(`${url}/api/v1/info did not answer in 30 s`)
      await sleep(100)
    }
  }

  const halt = async () => {
    if (!child) return
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM')
    const r = await Promise.race([exited, sleep(15_000).then(() => 'timeout' as const)])
    if (r === 'timeout') {
      process.kill(child.pid!, 'SIGKILL')
      await exited
    }
  }

  const agent: RealAgent = {
    bin,
    cliFlags: ['--netdata', bin.netdata, '--config-dir', etc, '--lib-dir', join(dir, 'lib'), '--agent-url', url],
    cloudDir: join(dir, 'lib/cloud.d'),
    dir,
    env,
    etc,
    lib: join(dir, 'lib'),
    log() {
      try {
        return readFileSync(logFile, 'utf8')
      } catch {
        return ''
      }
    },
    logFile,
    netdatacli(args) {
      const r = spawnSync(bin.netdatacli, args, {encoding: 'utf8', env, timeout: 15_000})
      return {code: r.status, out: `${r.stdout}${r.stderr}`}
    },
    get pid() {
      return child?.pid ?? 0
    },
    pipe,
    port,
    async restart() {
      await halt()
      await launch()
    },
    async stop() {
      try {
        await halt()
      } finally {
        if (compiledCloudDir)
          try {
            if (lstatSync(compiledCloudDir).isSymbolicLink()) unlinkSync(compiledCloudDir)
          } catch {}

        if (!process.env.NETDATA_CLOUD_TEST_KEEP) rmSync(dir, {force: true, recursive: true})
      }
    },
    url,
    async view() {
      const aclk = await getJson(`${url}/api/v1/aclk`).catch(() => ({}))
      const nodeId =
        (aclk['node-instances'] as {'node-id'?: string}[] | undefined)?.find(n => n['node-id'])?.['node-id'] ?? null
      if (bin.v2) {
        const info = await getJson(`${url}/api/v3/info`)
        const cloud = info.cloud ?? info.agents?.[0]?.cloud ?? {}
        return {
          claimId: cloud.claim_id ?? null,
          claimed: Boolean(cloud.claim_id),
          nodeId: nodeId && !/^0{8}-/.test(nodeId) ? nodeId : null,
          online: cloud.status === 'online',
          reason: cloud.reason ?? null,
          reconnectCount: typeof aclk['reconnect-count'] === 'number' ? aclk['reconnect-count'] : null,
          status: String(cloud.status ?? 'unknown'),
          url: cloud.url ?? null,
        }
      }

      const info = await getJson(`${url}/api/v1/info`)
      const claimed = Boolean(info['agent-claimed'])
      const online = Boolean(aclk.online)
      return {
        claimId: aclk['claimed-id'] ?? null,
        claimed,
        nodeId: nodeId && !/^0{8}-/.test(nodeId) ? nodeId : null,
        online,
        reason: null,
        reconnectCount: typeof aclk['reconnect-count'] === 'number' ? aclk['reconnect-count'] : null,
        status: online ? 'online' : claimed ? 'offline' : 'available',
        url: aclk['cloud-url'] ?? null,
      }
    },
    async waitFor(ok, what, timeoutMs = 45_000) {
      const deadline = Date.now() + timeoutMs
      let last: AgentView | undefined
      while (Date.now() < deadline) {
        try {
          last = await agent.view()
          if (ok(last)) return last
        } catch {}

        await sleep(250)
      }

      const tail = agent
        .log()
        .split('\n')
        .filter(l => /ACLK|CLAIM|SSL|cloud/i.test(l))
        .slice(-15)
        .join('\n')
      throw new Error(
        `agent ${bin.version}: not ${what} in ${timeoutMs} ms; last view ${JSON.stringify(last)}\n${tail}`,
      )
    },
  }
  try {
    await launch()
  } catch (error) {
    await agent.stop()
    throw error
  }

  return agent
}
