// Run the agent's own binaries (netdata, netdatacli) with a timeout. Nothing secret is ever passed on a command line.
//
// node:child_process rather than execa: these are short, argv-only calls (no shell, no pipes, no streaming), and
// loading execa cost ~40 ms of every `status` start even bundled (bench: status --json 5.75× → 5.4×).

import {execFile} from 'node:child_process'

import {log, logStart, since} from '../base/log.js'

export interface RunResult {
  exitCode: number | undefined
  stdout: string
  stderr: string
  timedOut: boolean
  /** set when the binary could not be started at all (ENOENT, EACCES) */
  failed?: string
}

export function runBinary(
  file: string,
  args: string[],
  options: {
    timeoutMs?: number
    input?: string
    /** added to the environment (e.g. NETDATA_PIPENAME) */ env?: Record<string, string>
  } = {},
): Promise<RunResult> {
  const started = logStart()
  return new Promise(resolve => {
    const child = execFile(
      file,
      args,
      {
        encoding: 'utf8',
        env: {...process.env, ...options.env, LANG: 'C', LC_ALL: 'C'},
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        timeout: options.timeoutMs ?? 5000,
      },
      (error, stdout, stderr) => {
        const e = error as (NodeJS.ErrnoException & {code?: number | string; killed?: boolean; signal?: string}) | null
        const spawnFailed = e && typeof e.code === 'string' && e.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER'
        const timedOut = Boolean(e?.killed && e.signal === 'SIGKILL')
        if (started !== undefined) {
          const end = timedOut ? `killed after ${options.timeoutMs ?? 5000} ms` : `exit ${e ? (e.code ?? e.signal) : 0}`
          const stdin = options.input === undefined ? '' : ` (stdin: ${options.input.length} characters, not logged)`
          log('run', `${[file, ...args].map(a => quote(a)).join(' ')}${stdin} → ${end}`, since(started))
        }

        resolve({
          exitCode: e ? (typeof e.code === 'number' ? e.code : undefined) : 0,
          failed: spawnFailed ? String(e.code) : undefined,
          stderr: String(stderr ?? ''),
          stdout: String(stdout ?? ''),
          timedOut,
        })
      },
    )
    if (options.input === undefined) child.stdin?.end()
    else child.stdin?.end(options.input)
  })
}

/** An argument as a shell would need it, so a logged command line can be pasted back. */
function quote(arg: string): string {
  return /^[\w@%+=:,./|-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", String.raw`'\''`)}'`
}
