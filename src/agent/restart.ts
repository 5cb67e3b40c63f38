// Restart the agent the way this host does it (design.md §3): systemd when it is PID 1, else the SysV `service`
// wrapper when the init script exists, else nothing: the caller prints the instruction.

import {existsSync, readFileSync} from 'node:fs'
import {delimiter, join} from 'node:path'

import {type AgentView, readAgentView} from './api.js'
import type {Install} from './install.js'
import {runBinary} from './run-binary.js'

export type RestartMethod = 'none' | 'service' | 'systemd'

export interface RestartPlan {
  method: RestartMethod
  /** the command that restarts the agent here (for `none`: what the user should run) */
  command: string[]
  /** why this method */
  why: string
}

export interface RestartOutcome extends RestartPlan {
  ok: boolean
  /** the command's error output when it failed */
  message?: string
}

export interface RestartHost {
  /** the environment to look `systemctl`/`service` up in (default process.env) */
  env?: NodeJS.ProcessEnv
  /** file-system root (tests) */
  root?: string
}

function onPath(name: string, env: NodeJS.ProcessEnv): null | string {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name)
  }

  return null
}

/** systemd is the init system when /run/systemd/system exists (sd_booted()) and PID 1 is systemd. */
export function systemdIsInit(root = '/'): boolean {
  if (!existsSync(join(root, 'run/systemd/system'))) return false
  try {
    return readFileSync(join(root, 'proc/1/comm'), 'utf8').trim() === 'systemd'
  } catch {
    return true
  }
}

export function planRestart(host: RestartHost = {}): RestartPlan {
  const env = host.env ?? process.env
  const root = host.root ?? '/'
  const systemctl = onPath('systemctl', env)
  if (systemctl && systemdIsInit(root))
    return {command: [systemctl, 'restart', 'netdata'], method: 'systemd', why: 'systemd is PID 1'}
  const service = onPath('service', env)
  if (service && existsSync(join(root, 'etc/init.d/netdata'))) {
    return {command: [service, 'netdata', 'restart'], method: 'service', why: 'no systemd; /etc/init.d/netdata exists'}
  }

  return {
    command: ['systemctl', 'restart', 'netdata'],
    method: 'none',
    why:
      systemctl || service
        ? 'neither systemd as PID 1 nor /etc/init.d/netdata'
        : 'no systemctl or service command on PATH',
  }
}

export async function restartAgent(host: RestartHost = {}): Promise<RestartOutcome> {
  const plan = planRestart(host)
  if (plan.method === 'none')
    return {...plan, message: `restart the agent yourself (${plan.why}), e.g. ${plan.command.join(' ')}`, ok: false}
  const r = await runBinary(plan.command[0], plan.command.slice(1), {timeoutMs: 60_000})
  if (r.exitCode === 0) return {...plan, ok: true}
  const why =
    r.failed ??
    (r.timedOut ? 'timed out after 60 s' : `exit ${r.exitCode}: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`)
  return {...plan, message: `${plan.command.join(' ')} failed (${why})`, ok: false}
}

/** Is this install the one the host's `netdata` service runs (its binary, config and lib dirs at their defaults)? */
export function serviceRunsInstall(install: Install): {yes: boolean; why: string} {
  const named = (['configDir', 'libDir', 'netdata', 'root'] as const).filter(
    k => install.sources[k] === 'flag' || install.sources[k] === 'env',
  )
  const system =
    install.netdata === '/usr/sbin/netdata' ||
    install.netdata === '/opt/netdata/bin/netdata' ||
    install.netdata === '/opt/netdata/usr/sbin/netdata'
  if (install.kind === 'custom' || named.some(k => k === 'configDir' || k === 'libDir') || !system)
    return {
      why: `the host's netdata service runs the system install, not this one (${install.netdata ?? 'no binary'}, config ${install.configDir}, lib ${install.libDir})`,
      yes: false,
    }
  return {why: `${install.netdata} with ${install.configDir} is the system install`, yes: true}
}

export interface InstallRestart {
  ok: boolean
  /** what was run, when something was */
  command?: string[]
  message: string
}

/**
 * Restart the agent of this install (only when the host's service runs it), then wait until its API answers and
 * `check` finds the new value there. A restart that fails, or an agent that does not come back with the value, is
 * not ok.
 */
export async function restartInstallAgent(
  install: Install,
  check: (view: AgentView) => null | string = () => null,
  options: {host?: RestartHost; waitMs?: number} = {},
): Promise<InstallRestart> {
  const runs = serviceRunsInstall(install)
  if (!runs.yes)
    return {
      message: `not restarted: ${runs.why}; restart this install's agent yourself`,
      ok: false,
    }
  const r = await restartAgent(options.host)
  if (!r.ok) return {command: r.command, message: r.message ?? 'restart failed', ok: false}
  const waitMs = options.waitMs ?? 30_000
  const started = Date.now()
  let last = 'no answer yet'
  while (Date.now() - started < waitMs) {
    const view = await readAgentView(install.agentUrl, 2000)
    if (view.reachable) {
      const wrong = check(view)
      if (!wrong)
        return {
          command: r.command,
          message: `restarted with ${r.command.join(' ')} (${r.why}); the agent answers at ${install.agentUrl} after ${Date.now() - started} ms`,
          ok: true,
        }
      last = wrong
    } else last = view.problem?.message ?? 'unreachable'
    await new Promise(resolve => setTimeout(resolve, 500))
  }

  return {
    command: r.command,
    message: `${r.command.join(' ')} ran, but the agent did not come back with the change within ${waitMs / 1000} s (${last})`,
    ok: false,
  }
}
