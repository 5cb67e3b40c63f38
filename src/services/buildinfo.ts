// `buildinfo`: what the agent build can do, from the binary itself or from a saved output (support tickets).

import {readFileSync} from 'node:fs'

import {type Buildinfo, parseBuildinfo, repairBuildinfoJson} from '../agent/buildinfo.js'
import {type Install, requireInstall} from '../agent/install.js'
import {runBinary} from '../agent/run-binary.js'
import {parseVersion} from '../base/version.js'
import {decodeText, readTextFile} from '../config/read.js'
import {UserError} from '../base/errors.js'

export interface BuildinfoReport extends Buildinfo {
  /** the file, `stdin`, or the command that produced the text */
  source: string
  /** v1.30+ also print JSON: whether it parsed as printed */
  json: 'absent' | 'invalid' | 'repaired' | 'valid' | 'not-run'
}

export async function buildinfoFromFile(file: string): Promise<BuildinfoReport> {
  const text = file === '-' ? readStdin() : readInputFile(file)
  if (text === null) throw new UserError('badInput', `${file}: no such file`)
  if (text.trim() === '')
    throw new UserError('badInput', `${file === '-' ? 'stdin' : file}: empty input, no buildinfo in it`)
  const source = file === '-' ? 'stdin' : file
  const parsed = parseBuildinfo(text, source)
  return {...parsed, json: parsed.format === 'json' ? jsonState(text) : 'not-run', source}
}

export async function buildinfoFromAgent(install: Install): Promise<BuildinfoReport> {
  requireInstall(install)
  const {netdata} = install
  if (!netdata) {
    throw new UserError('noAgent', `no netdata binary found under ${install.root}`, {
      fix: 'pass --netdata PATH, or --file with a saved `netdata -W buildinfo` output',
    })
  }

  const [text, version, json] = await Promise.all([
    runBinary(netdata, ['-W', 'buildinfo']),
    runBinary(netdata, ['-v']),
    runBinary(netdata, ['-W', 'buildinfojson']),
  ])
  if (text.failed || text.timedOut || text.exitCode !== 0) {
    const why =
      text.failed ?? (text.timedOut ? 'timed out' : `exit ${text.exitCode}: ${text.stderr.trim().split('\n')[0]}`)
    throw new UserError('agentUnreachable', `${netdata} -W buildinfo failed (${why})`, {
      fix: 'check that the binary runs: ' + netdata + ' -v',
    })
  }

  if (/Unknown -W parameter/.test(text.stderr)) {
    throw new UserError('unsupported', `${netdata}: this agent has no -W buildinfo (it appeared in v1.26)`, {
      fix: 'upgrade the agent',
    })
  }

  const parsed = parseBuildinfo(text.stdout, `${netdata} -W buildinfo`)
  if (!parsed.version && version.exitCode === 0) {
    const v = /netdata (\S+)/.exec(version.stdout)?.[1]
    if (v && parseVersion(v)) parsed.version = v
  }

  const jsonResult = json.exitCode === 0 && json.stdout.trim().startsWith('{') ? jsonState(json.stdout) : 'absent'
  return {...parsed, json: jsonResult, source: `${netdata} -W buildinfo`}
}

function jsonState(text: string): BuildinfoReport['json'] {
  try {
    JSON.parse(text)
    return 'valid'
  } catch {
    try {
      JSON.parse(repairBuildinfoJson(text))
      return 'repaired'
    } catch {
      return 'invalid'
    }
  }
}

/** --file is an input, not one of the agent's config files: a directory or a binary is bad input (18), not 16. */
function readInputFile(file: string): null | string {
  try {
    return readTextFile(file, 'buildinfo file', 4 * 1024 * 1024, {badText: 'badInput'})
  } catch (error) {
    if (error instanceof UserError && error.code === 'invalidConfig')
      throw new UserError('badInput', `--file ${error.message}`, {
        cause: error,
        fix: 'give the saved output of `netdata -W buildinfo` (or - for stdin)',
      })
    throw error
  }
}

function readStdin(): string {
  let buf: Buffer
  try {
    buf = readFileSync(0)
  } catch (error) {
    throw new UserError('badInput', `stdin: cannot read (${(error as Error).message})`)
  }

  return decodeText(buf, 'stdin', 'badInput')
}
