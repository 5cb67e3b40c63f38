// Run the agent's own binaries (netdata, netdatacli) with a timeout. execa is loaded on first use only.
// Nothing secret is ever passed on a command line here.

export interface RunResult {
  exitCode: number | undefined
  stdout: string
  stderr: string
  timedOut: boolean
  /** set when the binary could not be started at all (ENOENT, EACCES) */
  failed?: string
}

export async function runBinary(file: string, args: string[], options: {timeoutMs?: number; input?: string} = {}): Promise<RunResult> {
  const {execa} = await import('execa')
  const r = await execa(file, args, {
    env: {LANG: 'C', LC_ALL: 'C'},
    extendEnv: true,
    input: options.input,
    maxBuffer: 16 * 1024 * 1024,
    reject: false,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    stripFinalNewline: false,
    timeout: options.timeoutMs ?? 5000,
  })
  const failed = r.failed && r.exitCode === undefined && !r.timedOut ? (r.code ?? r.shortMessage) : undefined
  return {
    exitCode: r.exitCode, failed, stderr: String(r.stderr ?? ''), stdout: String(r.stdout ?? ''), timedOut: Boolean(r.timedOut),
  }
}
