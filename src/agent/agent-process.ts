// Which running agent belongs to the install being changed, and which netdatacli pipe reaches it.
// netdatacli talks to whatever agent owns the pipe (/tmp/netdata-ipc ≤v2.2, <run dir>/netdata.pipe from v2.3, or
// NETDATA_PIPENAME): with two agents on a host, or a --config-dir naming another tree, the default pipe can be another
// agent's. So: find the netdata process whose binary and config dir are this install's, and use its own pipe
// (NETDATA_PIPENAME in its environment); when that cannot be known, the caller does not reload.

import {realpathSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'

import type {Install} from './install.js'
import {netdataPids, processExe, read} from './service-env.js'

export type InstallAgent =
  | {state: 'found'; pid: number; configDir: string; pipe: null | string; env: Record<string, string>}
  | {state: 'not-running'; why: string}
  | {state: 'unknown'; why: string}

function real(p: string): string {
  try {
    return realpathSync(p)
  } catch {
    return resolve(p)
  }
}

/** the default config dir a binary uses without -c: /usr/sbin → /etc/netdata, PREFIX/usr/sbin → PREFIX/etc/netdata */
function defaultConfigDir(binary: string): string {
  const bin = dirname(binary)
  if (bin === '/usr/sbin' || bin === '/usr/bin') return '/etc/netdata'
  if (bin.endsWith('/usr/sbin')) return join(dirname(dirname(bin)), 'etc/netdata')
  if (bin.endsWith('/bin')) return join(dirname(bin), 'etc/netdata')
  return '/etc/netdata'
}

/** The config dir a running netdata was started with (`-c FILE`, else the binary's default). */
function processConfigDir(pid: number, proc: string, exe: string): null | string {
  const cmd = read(join(proc, String(pid), 'cmdline'))
  if (cmd === null) return null
  const args = cmd.split('\0').filter(Boolean)
  for (let i = 1; i < args.length; i++) {
    if (args[i] === '-c' && args[i + 1]) return dirname(args[i + 1])
    if (args[i].startsWith('-c') && args[i].length > 2) return dirname(args[i].slice(2))
  }

  return defaultConfigDir(exe)
}

function parentPid(pid: number, proc: string): number {
  return Number(/^PPid:\s+(\d+)/m.exec(read(join(proc, String(pid), 'status')) ?? '')?.[1] ?? 0)
}

function processEnv(pid: number, proc: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of (read(join(proc, String(pid), 'environ')) ?? '').split('\0')) {
    const eq = e.indexOf('=')
    if (eq > 0 && /^NETDATA_(PIPENAME|RUN_DIR)$/.test(e.slice(0, eq))) out[e.slice(0, eq)] = e.slice(eq + 1)
  }

  return out
}

/** The running agent of this install, with the environment netdatacli needs to reach it (its pipe). */
export function findInstallAgent(install: Install, proc = '/proc'): InstallAgent {
  if (!install.netdata) return {state: 'unknown', why: 'no netdata binary for this install'}
  const all = netdataPids(null, proc)
  // the config dir is what makes an agent this install's (the binary may be reached through a wrapper or a link)
  const mine = all
    .map(pid => ({configDir: processConfigDir(pid, proc, processExe(pid, proc) ?? install.netdata!), pid}))
    .filter(p => p.configDir !== null && real(p.configDir) === real(install.configDir))
  if (mine.length === 0)
    return {
      state: 'not-running',
      why: `no running agent with config dir ${install.configDir}${all.length > 0 ? ` (${all.length} other netdata process${all.length === 1 ? '' : 'es'} running: not this install's)` : ''}`,
    }
  // netdata forks (spawn server, plugins keep another comm): the lowest pid with our config is the daemon
  const agent = mine.sort((a, b) => a.pid - b.pid)[0]
  const env = processEnv(agent.pid, proc)
  const pipe = env.NETDATA_PIPENAME ?? null
  // without its own pipe, the default one is this agent's only when no other netdata runs
  // (an agent started with its own NETDATA_PIPENAME does not hold the default pipe, v1.41+; the agent's own forks,
  // e.g. its spawn server, are not other agents)
  const ours = new Set(mine.map(m => m.pid))
  const others = all.filter(p => !ours.has(p) && !ours.has(parentPid(p, proc)) && !processEnv(p, proc).NETDATA_PIPENAME)
  if (!pipe && !env.NETDATA_RUN_DIR && others.length > 0)
    return {
      state: 'unknown',
      why: `the agent of this install (pid ${agent.pid}) has no NETDATA_PIPENAME, and ${others.length} other netdata process${others.length === 1 ? '' : 'es'} run${others.length === 1 ? 's' : ''} here: the default netdatacli pipe may be theirs`,
    }
  return {configDir: agent.configDir!, env, pid: agent.pid, pipe, state: 'found'}
}

/**
 * When a process started: /proc/PID/stat field 22 (clock ticks since boot; USER_HZ is 100 on Linux) plus /proc/stat
 * btime. Null when either cannot be read.
 */
export function processStartedAt(pid: number, proc = '/proc'): Date | null {
  const stat = read(join(proc, String(pid), 'stat'))
  const btime = Number(/^btime (\d+)$/m.exec(read(join(proc, 'stat')) ?? '')?.[1] ?? Number.NaN)
  if (stat === null || Number.isNaN(btime)) return null
  // the command name (field 2) is in parentheses and may hold spaces or ')': fields go on after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[19])
  return Number.isFinite(ticks) ? new Date((btime + ticks / 100) * 1000) : null
}
