// Parse `netdata -W buildinfo` (text) and `-W buildinfojson` of every agent era (netdata-facts.md §1).
// Nothing is guessed: a line the parser does not recognise is kept raw in `unrecognised`, and an input
// with no known marker is an "unknown format" error that quotes its first line.

import {UserError} from '../base/errors.js'
import {compareVersions, parseVersion} from '../base/version.js'

/**
 * A: v1.26–1.29, B: v1.30–1.31, C: v1.32, D: v1.33–1.40, E: v1.41–1.47, v2: v2.x (era E's format, ACLK always built)
 */
export type BuildinfoEra = 'A' | 'B' | 'C' | 'D' | 'E' | 'v2'

export type CloudSupport = 'no' | 'no-by-user-request' | 'yes'

export type AclkImplementation = 'legacy' | 'ng'

export interface Buildinfo {
  /** e.g. v1.37.1; null when the input does not say */
  version: null | string
  era: BuildinfoEra
  format: 'json' | 'text'
  cloud: {
    support: CloudSupport
    /** the value as printed, e.g. `NO (by user request)` */
    raw: string
    /** why, in words (e.g. `configured with --disable-cloud`) */
    reason?: string
  }
  aclk: {
    /** compiled-in implementations */
    implementations: AclkImplementation[]
    /** the one the agent uses when netdata.conf says nothing */
    default: AclkImplementation | null
    /** v1.32 builds with both: `[cloud] aclk implementation` picks one at start */
    switchable: boolean
  }
  installType: null | string
  configureOptions: string[]
  /** every `label: value` line, by section */
  sections: Record<string, Record<string, string>>
  /** lines that matched no known shape, shown raw */
  unrecognised: string[]
}

const ERA_E_LINE = /^ {4}(.+?) _* : (.*)$/
const CLASSIC_LINE = /^ {4}([^:]+):\s*(.*)$/

export function parseBuildinfo(input: string, source = 'buildinfo'): Buildinfo {
  const text = input.replace(/^\uFEFF/, '')
  if (text.trimStart().startsWith('{')) return parseBuildinfoJson(text, source)
  const lines = text.split(/\r?\n/)
  if (lines.some(l => /^ {4}Netdata Version _+ : /.test(l))) return parseEraE(lines)
  if (lines.some(l => /^ {4}Netdata Cloud:/.test(l)) || lines.some(l => l.startsWith('Version: netdata '))) {
    return parseClassic(lines)
  }

  const first = lines.find(l => l.trim() !== '') ?? ''
  throw new UserError(
    'badInput',
    `${source}: unknown buildinfo format (first line: ${JSON.stringify(first.slice(0, 120))})`,
    {
      fix: 'pass the output of `netdata -W buildinfo` or `netdata -W buildinfojson`',
    },
  )
}

function parseClassic(lines: string[]): Buildinfo {
  const sections: Record<string, Record<string, string>> = {}
  const unrecognised: string[] = []
  let version: null | string = null
  let configure = ''
  let installType: null | string = null
  let section = ''
  for (const raw of lines) {
    const line = raw.trimEnd() // not /\s+$/: that regex is quadratic in a long run of spaces
    if (line === '') continue
    let m: null | RegExpExecArray
    if ((m = /^Version: netdata (\S+)$/.exec(line))) version = m[1]
    else if ((m = /^Configure options:(.*)$/.exec(line))) configure = m[1].trim()
    else if ((m = /^Install type: (.*)$/.exec(line))) installType = m[1].trim()
    else if ((m = /^([A-Za-z][\w/ -]*):$/.exec(line))) section = m[1]
    else if ((m = CLASSIC_LINE.exec(line)) && section) {
      sections[section] ??= {}
      sections[section][m[1].trim()] = m[2].trim()
    } else if ((m = CLASSIC_LINE.exec(line)) && installType !== null) {
      sections['Install type'] ??= {}
      sections['Install type'][m[1].trim()] = m[2].trim()
    } else unrecognised.push(raw)
  }

  const features = sections.Features ?? {}
  const configureOptions = splitConfigure(configure)
  const cloudRaw = features['Netdata Cloud'] ?? ''
  const disabledByConfigure = configureOptions.includes('--disable-cloud')
  const cloud = classicCloud(cloudRaw, disabledByConfigure)
  const v = version ? parseVersion(version) : null

  let era: BuildinfoEra
  let implementations: AclkImplementation[] = []
  const yes = (label: string) => /^YES\b/.test(features[label] ?? '')
  if ('ACLK Next Generation' in features || 'ACLK Legacy' in features) {
    era = installType !== null || (v && compareVersions(v, [1, 33, 0]) >= 0) ? 'D' : 'C'
    if (yes('ACLK Next Generation')) implementations.push('ng')
    if (yes('ACLK Legacy')) implementations.push('legacy')
  } else if ('ACLK' in features) {
    era = 'D'
    if (yes('ACLK')) implementations.push('ng')
  } else if ('Cloud Implementation' in features) {
    era = 'B'
    const impl = features['Cloud Implementation']
    if (/^Next Generation$/i.test(impl)) implementations.push('ng')
    else if (/^Legacy$/i.test(impl)) implementations.push('legacy')
    else unrecognised.push(`    Cloud Implementation: ${impl}`)
  } else if (v && compareVersions(v, [1, 30, 0]) >= 0 && compareVersions(v, [1, 32, 0]) < 0) {
    era = 'B' // a v1.30–1.31 build without cloud prints no "Cloud Implementation" line
  } else if (installType === null && (!v || compareVersions(v, [1, 30, 0]) < 0)) {
    era = 'A'
    if (cloud.support === 'yes') implementations.push('legacy') // ACLK-NG did not exist before v1.30
  } else {
    era = 'D'
  }

  if (cloud.support !== 'yes') implementations = []
  return {
    aclk: aclkOf(implementations),
    cloud,
    configureOptions,
    era,
    format: 'text',
    installType,
    sections,
    unrecognised,
    version,
  }
}

function classicCloud(raw: string, disabledByConfigure: boolean): Buildinfo['cloud'] {
  if (/^YES\b/.test(raw)) return {raw, support: 'yes'}
  if (/by user request/i.test(raw) || disabledByConfigure) {
    return {raw, reason: 'built with --disable-cloud', support: 'no-by-user-request'}
  }

  if (/^NO\b/.test(raw)) return {raw, reason: 'the cloud dependencies were not available at build time', support: 'no'}
  return {
    raw,
    reason: raw === '' ? 'no "Netdata Cloud" line' : `unrecognised value ${JSON.stringify(raw)}`,
    support: 'no',
  }
}

function parseEraE(lines: string[]): Buildinfo {
  const sections: Record<string, Record<string, string>> = {}
  const unrecognised: string[] = []
  let section = ''
  for (const raw of lines) {
    const line = raw.trimEnd() // not /\s+$/: that regex is quadratic in a long run of spaces
    if (line === '') continue
    let m: null | RegExpExecArray
    if ((m = /^([A-Za-z][\w/ -]*):$/.exec(line))) section = m[1]
    else if ((m = ERA_E_LINE.exec(line)) && section) {
      sections[section] ??= {}
      sections[section][m[1].trim()] = m[2].trim()
    } else unrecognised.push(raw)
  }

  const packaging = sections.Packaging ?? {}
  const version = packaging['Netdata Version'] ?? null
  const v = version ? parseVersion(version) : null
  const era: BuildinfoEra = v && v[0] >= 2 ? 'v2' : 'E'
  const cloudRaw = sections.Features?.['Netdata Cloud'] ?? ''
  const aclkLine = Object.entries(sections['Connectivity Capabilities'] ?? {}).find(([k]) => k.startsWith('ACLK'))
  let cloud: Buildinfo['cloud']
  if (/^YES\b/.test(cloudRaw)) cloud = {raw: cloudRaw, support: 'yes'}
  else if (/\(disabled\)/.test(cloudRaw))
    cloud = {raw: cloudRaw, reason: 'built with --disable-cloud', support: 'no-by-user-request'}
  else if (/^NO\b/.test(cloudRaw)) {
    cloud = {
      raw: cloudRaw,
      reason:
        era === 'E' && v && compareVersions(v, [1, 45, 0]) >= 0
          ? 'built without cloud (v1.45–1.47 print "unavailable" whether disabled on purpose or missing dependencies)'
          : 'the cloud dependencies were not available at build time',
      support: 'no',
    }
  } else
    cloud = {
      raw: cloudRaw,
      reason: cloudRaw === '' ? 'no "Netdata Cloud" line' : `unrecognised value ${JSON.stringify(cloudRaw)}`,
      support: 'no',
    }

  const aclkYes = aclkLine ? /^YES\b/.test(aclkLine[1]) : cloud.support === 'yes'
  const configure = packaging['Configure Options'] ?? ''
  const installType = packaging['Installation Type'] ?? null
  return {
    aclk: aclkOf(cloud.support === 'yes' && aclkYes ? ['ng'] : []),
    cloud,
    configureOptions: splitConfigure(configure),
    era,
    format: 'text',
    installType,
    sections,
    unrecognised,
    version,
  }
}

function aclkOf(implementations: AclkImplementation[]): Buildinfo['aclk'] {
  const def = implementations.includes('ng') ? 'ng' : implementations.includes('legacy') ? 'legacy' : null
  return {default: def, implementations, switchable: implementations.length > 1}
}

/** Split `'--a' '--b=c d'` (autotools) or `cmake -DX=1 -DY=2` into words. */
export function splitConfigure(raw: string): string[] {
  const s = raw.trim()
  if (s === '') return []
  if (s.includes("'")) return [...s.matchAll(/'([^']*)'/g)].map(m => m[1])
  return s.split(/\s+/)
}

/**
 * v1.33–v1.40 print invalid JSON (missing commas after `"machine-learning"`, after the `exporters` object and, in
 * v1.40, after `"stream-compression"`). Insert a comma wherever a value ends a line and the next line starts a key.
 */
export function repairBuildinfoJson(text: string): string {
  const lines = text.split('\n')
  // linear: the next non-blank line of each line, found walking backwards (not a search of the rest per line)
  let next: string | undefined
  for (let i = lines.length - 2; i >= 0; i--) {
    if (lines[i + 1].trim() !== '') next = lines[i + 1]
    const cur = lines[i].trimEnd()
    if (next && /^\s*"/.test(next) && /["\d\]}el]$/.test(cur) && !/[{[,]$/.test(cur)) lines[i] = cur + ','
  }

  return lines.join('\n')
}

type Json = Record<string, any>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const jsonType = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`)

function parseBuildinfoJson(text: string, source: string): Buildinfo {
  let doc: Json
  const unrecognised: string[] = []
  try {
    doc = JSON.parse(text)
  } catch {
    try {
      // the repair is reported as `json: repaired` (the caller's row), not as an unrecognised line
      doc = JSON.parse(repairBuildinfoJson(text))
    } catch (error) {
      throw new UserError(
        'badInput',
        `${source}: not valid buildinfo JSON, even after repair (${(error as Error).message})`,
      )
    }
  }

  if (!isObject(doc)) throw new UserError('badInput', `${source}: buildinfo JSON is ${jsonType(doc)}, not an object`)
  if (doc.features !== undefined && !isObject(doc.features))
    throw new UserError('badInput', `${source}: buildinfo JSON "features" is ${jsonType(doc.features)}, not an object`)
  if (doc.package !== undefined && !isObject(doc.package))
    throw new UserError('badInput', `${source}: buildinfo JSON "package" is ${jsonType(doc.package)}, not an object`)
  const f: Json = doc.features ?? {}
  const sections: Record<string, Record<string, string>> = {}
  for (const [name, value] of Object.entries(doc)) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      sections[name] = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
      )
    }
  }

  if (doc.package && typeof doc.package === 'object') {
    // era E / v2 JSON
    const version: null | string = typeof doc.package.version === 'string' ? doc.package.version : null
    const v = version ? parseVersion(version) : null
    const era: BuildinfoEra = v && v[0] >= 2 ? 'v2' : 'E'
    let cloud: Buildinfo['cloud']
    if (f.cloud === true) cloud = {raw: 'true', support: 'yes'}
    else if (f.cloud === 'disabled')
      cloud = {raw: 'disabled', reason: 'built with --disable-cloud', support: 'no-by-user-request'}
    else cloud = {raw: String(f.cloud), reason: 'built without cloud', support: 'no'}
    const aclk = doc.connectivity?.aclk
    return {
      aclk: aclkOf(cloud.support === 'yes' && aclk !== false ? ['ng'] : []),
      cloud,
      configureOptions: splitConfigure(String(doc.package.configure ?? '')),
      era,
      format: 'json',
      installType: typeof doc.package.type === 'string' ? doc.package.type : null,
      sections,
      unrecognised,
      version,
    }
  }

  if (!('cloud' in f)) {
    throw new UserError('badInput', `${source}: unknown buildinfo JSON (no features.cloud and no package object)`)
  }

  let cloud: Buildinfo['cloud']
  if (f.cloud === true) cloud = {raw: 'true', support: 'yes'}
  else if (f['cloud-disabled'] === true)
    cloud = {raw: 'false', reason: 'built with --disable-cloud', support: 'no-by-user-request'}
  else cloud = {raw: String(f.cloud), reason: 'the cloud dependencies were not available at build time', support: 'no'}
  const implementations: AclkImplementation[] = []
  let era: BuildinfoEra
  if ('aclk-ng' in f || 'aclk-legacy' in f) {
    era = 'stream-compression' in f ? 'D' : 'C' // v1.32's JSON has no stream-compression; v1.33+ has it
    if (f['aclk-ng'] === true) implementations.push('ng')
    if (f['aclk-legacy'] === true) implementations.push('legacy')
  } else if ('aclk' in f) {
    era = 'D'
    if (f.aclk === true) implementations.push('ng')
  } else {
    era = 'B'
    if (f['cloud-implementation'] === 'Next Generation') implementations.push('ng')
    else if (f['cloud-implementation'] === 'Legacy') implementations.push('legacy')
  }

  return {
    aclk: aclkOf(cloud.support === 'yes' ? implementations : []),
    cloud,
    configureOptions: [],
    era,
    format: 'json',
    installType: null,
    sections,
    unrecognised,
    version: null,
  }
}
