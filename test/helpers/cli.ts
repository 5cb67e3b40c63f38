// Run the built CLI (bin/run.js → dist/) as a user would, and capture everything.
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const SHARED = fileURLToPath(new URL('../../../shared', import.meta.url))

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
  /** stdout parsed as JSON, when it is JSON */
  json?: any
}

export function runCli(args: string[], options: {env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string} = {}): CliRun {
  const r = spawnSync(process.execPath, [`${ROOT}/bin/run.js`, ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    env: {...process.env, NO_COLOR: '1', ...options.env},
    input: options.input,
    timeout: options.timeoutMs ?? 60_000,
  })
  let json: any
  try {
    json = JSON.parse(r.stdout)
  } catch {}

  return {code: r.status, json, stderr: r.stderr, stdout: r.stdout}
}
