#!/usr/bin/env node
// Makes dist/bundle/cli.cjs.cache, the V8 code cache bin/load-bundle.js gives the bundle (run by scripts/bundle.mjs,
// with stdout discarded). It loads the bundle without a cache, runs the commonest invocations in this one process
// (help, buildinfo and status, text and JSON, a success and a refusal), then saves the bytecode of everything V8
// compiled for them. A function no run reached is compiled on first use, as without a cache. The file is written
// once, here, read-only (0444), after a first line with this V8's version and the bundle's SHA-1 (bin/load-bundle.js);
// nothing writes it at run time.
// Nothing here touches the machine's agent: status runs against an empty --prefix and a closed loopback port.
import {mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {cacheFileFor, cacheKey, loadBundle} from '../bin/load-bundle.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PACKAGE = process.argv[2] ?? ROOT // the package root whose dist/bundle it is (scripts/bundle.mjs --root)
const BUNDLE = join(PACKAGE, 'dist/bundle/cli.cjs')
const RUN_JS = join(PACKAGE, 'bin/run.js')
const BUILDINFO = join(ROOT, 'test/fixtures/buildinfo/D-v1.37.1-debian.txt')
const empty = mkdtempSync(join(tmpdir(), 'nc-train.'))
const noAgent = ['--prefix', empty, '--agent-url', 'http://127.0.0.1:1']

const RUNS = [
  ['--help'],
  ['status', '--help'],
  ['buildinfo', '--file', BUILDINFO],
  ['buildinfo', '--file', BUILDINFO, '--json'],
  ['status', ...noAgent],
  ['status', '--json', ...noAgent],
  ['metadata', '--json', ...noAgent],
]

try {
  const key = cacheKey(readFileSync(BUNDLE))
  if (key.endsWith(' none'))
    throw new Error(`${BUNDLE} has no bundle id on its last line (scripts/bundle.mjs writes it)`)
  const {exports: cli, script} = loadBundle(BUNDLE, {useCache: false})
  for (const args of RUNS) await cli.execute({args, dir: RUN_JS})
  process.exitCode = 0 // the refusals above set it
  const target = cacheFileFor(BUNDLE)
  const temporary = `${target}.${process.pid}.tmp`
  writeFileSync(temporary, Buffer.concat([Buffer.from(`${key}\n`), script.createCachedData()]), {
    flag: 'wx',
    mode: 0o444,
  })
  renameSync(temporary, target)
} finally {
  rmSync(empty, {force: true, recursive: true})
}
