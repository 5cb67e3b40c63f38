// netdatacli: the agent's local control socket (netdata-facts.md §6.5). Exit 0 ok, 1 failed command, 255 no agent.

import {runBinary} from './run-binary.js'

export type CliAnswer =
  {state: 'failed'; message: string} | {state: 'no-agent'; message: string} | {state: 'ok'; output: string}

export async function netdatacli(
  binary: string,
  command: string[],
  timeoutMs = 5000,
  /** the agent's own pipe (NETDATA_PIPENAME / NETDATA_RUN_DIR of its process): see agent-process.ts */
  env: Record<string, string> = {},
): Promise<CliAnswer> {
  const r = await runBinary(binary, command, {env, timeoutMs})
  if (r.failed) return {message: `${binary}: ${r.failed}`, state: 'no-agent'}
  if (r.timedOut) return {message: `${binary} ${command[0]}: no answer in ${timeoutMs} ms`, state: 'no-agent'}
  if (r.exitCode === 0) return {output: r.stdout, state: 'ok'}
  if (r.exitCode === 255)
    return {message: (r.stderr || r.stdout).trim().split('\n')[0] || 'agent not running', state: 'no-agent'}
  return {message: (r.stderr || r.stdout).trim().split('\n')[0] ?? `exit ${r.exitCode}`, state: 'failed'}
}

/** `netdatacli read-config 'FILE|SECTION|KEY'`: the value the running agent parsed, null when unset. */
export async function readAgentConfig(
  binary: string,
  file: 'cloud' | 'netdata',
  section: string,
  key: string,
): Promise<CliAnswer & {value?: null | string}> {
  const a = await netdatacli(binary, ['read-config', `${file}|${section}|${key}`])
  if (a.state === 'ok') return {...a, value: a.output.replace(/\n$/, '')}
  if (a.state === 'failed') return {...a, value: null}
  return a
}
