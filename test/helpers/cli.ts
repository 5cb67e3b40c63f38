// Run the built CLI (bin/run.js → dist/) as a user would, and capture everything.
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** test/fixtures: every file a test reads comes from the repository (each folder's README names its source) */
export const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url))

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
  /** stdout parsed as JSON, when it is JSON */
  json?: any
}

export function runCli(
  args: string[],
  options: {env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string} = {},
): CliRun {
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

  return {
    code: r.status,
    json,
    stderr: r.stderr,
    stdout: r.stdout,
  }
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  input?: string
  timeoutMs?: number
  cwd?: string
  uid?: number
  gid?: number
}

/** Run any program without blocking the event loop, and capture everything (stdout parsed as JSON when it is). */
export async function runProcess(file: string, args: string[], options: RunOptions = {}): Promise<CliRun> {
  const {spawn} = await import('node:child_process')
  const child = spawn(file, args, {
    cwd: options.cwd ?? ROOT,
    env: {...process.env, NO_COLOR: '1', ...options.env},
    gid: options.gid,
    stdio: ['pipe', 'pipe', 'pipe'],
    uid: options.uid,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d
  })
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d
  })
  child.stdin.end(options.input ?? '')
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
  const code = await new Promise<null | number>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', c => resolve(c))
  })
  clearTimeout(timer)
  let json: any
  try {
    json = JSON.parse(stdout)
  } catch {}

  return {
    code,
    json,
    stderr,
    stdout,
  }
}

/** Like runCli, but does not block the event loop: use it when the test itself serves something the CLI talks to. */
export function runCliAsync(args: string[], options: RunOptions = {}): Promise<CliRun> {
  return runProcess(process.execPath, [`${ROOT}/bin/run.js`, ...args], options)
}
