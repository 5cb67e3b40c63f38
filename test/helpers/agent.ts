// The real Debian agent for integration tests (shared/debian-netdata.md "CI recipe"): a private, fast agent from
// test-agent.conf (RAM db, no collectors) on a free loopback port, started directly and stopped by its own pid.
// One agent per machine at a time: /tmp/netdata-ipc belongs to the last agent started, so a lock file serialises
// every test process (and every developer running tests) on this machine.
import {spawn, type ChildProcess} from 'node:child_process'
import {
  chownSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {lookupUser} from '../../src/agent/accounts.js'
import {FIXTURES} from './cli.js'

const LOCK = '/tmp/netdata-cloud-tests.agent.lock'

export interface TestAgent {
  pid: number
  port: number
  url: string
  dir: string
  confPath: string
  stop: () => Promise<number | null>
}

/** Whether a process with this pid exists (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Take the machine-wide agent lock (waits while another live process holds it). */
export async function lockAgent(timeoutMs = 120_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx', 0o644)
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => {
        try {
          if (readFileSync(LOCK, 'utf8') === String(process.pid)) unlinkSync(LOCK)
        } catch {}
      }
    } catch {
      let holder = 0
      try {
        holder = Number(readFileSync(LOCK, 'utf8'))
      } catch {}

      if (holder && !alive(holder)) {
        try {
          unlinkSync(LOCK)
        } catch {}

        continue
      }

      if (Date.now() > deadline) throw new Error(`agent lock ${LOCK} held by pid ${holder} for too long`)
      await sleep(100)
    }
  }
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

export async function waitForHttp(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url, {signal: AbortSignal.timeout(1000)})
      if (r.ok) return
    } catch {}

    await sleep(50)
  }

  throw new Error(`${url} did not answer in ${timeoutMs} ms`)
}

/**
 * Start the real agent. `extraConf` is appended to test-agent.conf (e.g. a `[cloud]` section).
 * The caller must hold the lock (see withAgent) and must call stop().
 */
export async function startAgent(extraConf = ''): Promise<TestAgent> {
  const user = lookupUser('netdata')
  if (!user) throw new Error('user netdata is missing: apt-get install -y netdata')
  const dir = mkdtempSync('/tmp/netdata-test.')
  for (const d of ['etc', 'lib', 'cache', 'log']) mkdirSync(join(dir, d))
  const port = await freePort()
  const template = readFileSync(join(FIXTURES, 'netdata-1.37.1-debian/test-agent.conf'), 'utf8')
  const confPath = join(dir, 'etc/netdata.conf')
  writeFileSync(confPath, template.replaceAll('@DIR@', dir).replaceAll('@PORT@', String(port)) + extraConf)
  writeFileSync(join(dir, 'etc/.opt-out-from-anonymous-statistics'), '')
  for (const p of [dir, ...['etc', 'lib', 'cache', 'log'].map(d => join(dir, d)), confPath])
    chownSync(p, user.uid, user.gid)
  const child: ChildProcess = spawn('/usr/sbin/netdata', ['-c', confPath, '-D'], {
    env: {
      DO_NOT_TRACK: '1',
      HOME: '/root',
      LANG: 'C.UTF-8',
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    },
    stdio: ['ignore', 'ignore', 'ignore'],
  })
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM')
    const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)])
    if (code === 'timeout') {
      process.kill(child.pid!, 'SIGKILL')
      await exited
    }

    rmSync(dir, {force: true, recursive: true})
    return code === 'timeout' ? null : code
  }

  try {
    await waitForHttp(`${url}/api/v1/info`)
  } catch (error) {
    await stop()
    throw error
  }

  return {
    confPath,
    dir,
    pid: child.pid!,
    port,
    stop,
    url,
  }
}

/** Run `fn` with a fresh agent, holding the machine-wide lock; always stops the agent. */
export async function withAgent<T>(fn: (agent: TestAgent) => Promise<T>, extraConf = ''): Promise<T> {
  const unlock = await lockAgent()
  try {
    const agent = await startAgent(extraConf)
    try {
      return await fn(agent)
    } finally {
      await agent.stop()
    }
  } finally {
    unlock()
  }
}
