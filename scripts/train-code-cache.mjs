#!/usr/bin/env node
// Makes dist/bundle/cli.cjs.cache, the V8 code cache bin/load-bundle.js gives the bundle (run by scripts/bundle.mjs,
// with stdout discarded). It loads the bundle without a cache, runs the commonest invocations in this one process
// (help, buildinfo and status, text and JSON, a success and a refusal), then saves the bytecode of everything V8
// compiled for them. A function no run reached is compiled on first use, as without a cache.
// Nothing here touches the machine's agent: status runs against an empty --prefix and a closed loopback port.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {cacheFileFor, loadBundle, saveCodeCache} from '../bin/load-bundle.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BUNDLE = join(ROOT, 'dist/bundle/cli.cjs')
const RUN_JS = new URL('../bin/run.js', import.meta.url).href
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
  const {exports: cli, script} = loadBundle(BUNDLE, {refresh: false, useCache: false})
  for (const args of RUNS) await cli.execute({args, dir: RUN_JS})
  process.exitCode = 0 // the refusals above set it
  if (!saveCodeCache(BUNDLE, script)) throw new Error(`could not write ${cacheFileFor(BUNDLE)}`)
} finally {
  rmSync(empty, {force: true, recursive: true})
}
