// Loads the bundled CLI, dist/bundle/cli.cjs (one CommonJS file built by scripts/bundle.mjs: @oclif/core, chalk and
// every command), with a compiled-code cache. Parsing and compiling the bundle was ~56 of ~190 ms of a `buildinfo` run
// on Node 20 (README.md, Performance). Nothing here ever writes into the package:
//
// 1. The shipped cache, dist/bundle/cli.cjs.cache: V8 bytecode made by the build (scripts/train-code-cache.mjs runs a
//    few commands in one process, then saves what V8 compiled) and installed read-only with the package. Its first line
//    names the V8 version and the build of cli.cjs it was made from: the SHA-1 of the bundle that scripts/bundle.mjs
//    writes on the bundle's last line (V8 itself compares only the source's length; npm resets every mtime, so size
//    and mtime cannot tell two builds apart; hashing 1 MB here would load node:crypto, ~3 ms, on every start). It is
//    given to vm.Script only when both match; a cache V8 still rejects (other V8 flags) is just not used.
// 2. Otherwise, on Node >= 22.1: Node's own compile cache (module.enableCompileCache) in the running user's cache
//    directory, $XDG_CACHE_HOME/netdata-cloud or ~/.cache/netdata-cloud, only where that user owns the directories
//    (userCacheDir below), and the bundle is require()d.
// 3. Otherwise (Node 20 with another V8 than the build's): the bundle compiles from source, as any module does.
// NETDATA_CLOUD_NO_CODE_CACHE=1 uses neither cache.
import {mkdirSync, readFileSync, statSync} from 'node:fs'
import Module, {createRequire} from 'node:module'
import {dirname, isAbsolute, join} from 'node:path'
import vm from 'node:vm'

// The parameters Node gives a CommonJS module. The header has a line of its own and lineOffset -1 takes it back, so
// line:column in a stack trace are those of cli.cjs (and of its source map, src/base/stack.ts).
const WRAPPER = ['(function (exports, require, module, __filename, __dirname) {\n', '\n})']

export const cacheFileFor = file => `${file}.cache`

/** The first line of a cache made by this V8 from `source` (a Buffer or string of cli.cjs). */
/** The build's id of a cli.cjs (a Buffer): the SHA-1 scripts/bundle.mjs wrote on its last line, or 'none'. */
export const bundleId = source =>
  /\/\/ netdata-cloud bundle ([\da-f]{40})\n$/.exec(source.toString('latin1', Math.max(0, source.length - 128)))?.[1] ??
  'none'

/** The first line of a cache made by this V8 from the cli.cjs `source` (a Buffer). */
export const cacheKey = source => `netdata-cloud code cache 2 ${process.versions.v8} ${bundleId(source)}`

/**
 * used: V8 took the shipped cache; rejected: V8 refused it (other V8 flags); other-v8: it was made by another V8;
 * stale: it was made from another cli.cjs; none: there is none; compile-cache: Node's compile cache in the user's cache
 * directory (Node >= 22.1, after any of the three before); off: not asked to use one.
 * @typedef {'used' | 'rejected' | 'other-v8' | 'stale' | 'none' | 'compile-cache' | 'off'} CacheState
 */

/**
 * @param {string} file absolute path of the CommonJS bundle
 * @param {{useCache?: boolean, env?: NodeJS.ProcessEnv}} [options] whether to use a cache (on unless
 *   NETDATA_CLOUD_NO_CODE_CACHE is set); the environment that names the user's cache directory
 * @returns {{exports: any, cache: CacheState, script?: import('node:vm').Script}} the bundle's exports, which cache
 *   served, and the compiled script when it was loaded through vm.Script (scripts/train-code-cache.mjs saves its cache)
 */
export function loadBundle(file, {env = process.env, useCache = !env.NETDATA_CLOUD_NO_CODE_CACHE} = {}) {
  const bytes = readFileSync(file)
  const stored = useCache ? readCache(cacheFileFor(file), bytes) : 'off'
  /* eslint-disable n/no-unsupported-features/node-builtins -- Node >= 22.1 only, where it is there */
  if (typeof stored === 'string' && stored !== 'off' && typeof Module.enableCompileCache === 'function') {
    const dir = userCacheDir(env)
    if (dir && Module.enableCompileCache(dir).status !== Module.constants.compileCacheStatus.FAILED) {
      return {cache: 'compile-cache', exports: createRequire(file)(file)}
    }
  }
  /* eslint-enable n/no-unsupported-features/node-builtins */

  // No importModuleDynamically: on Node 20 a function that comes from a code cache loses it, so the bundle has no
  // import() (scripts/bundle.mjs has esbuild turn each one into a require()).
  const cachedData = typeof stored === 'string' ? undefined : stored
  const script = new vm.Script(WRAPPER[0] + bytes.toString('utf8') + WRAPPER[1], {
    cachedData,
    filename: file,
    lineOffset: -1,
  })
  const cache = typeof stored === 'string' ? stored : script.cachedDataRejected ? 'rejected' : 'used'

  const module = new Module(file)
  module.filename = file
  const require = createRequire(file)
  // oclif require()s package.json's commands target, this same file: it must get this instance, not a second one.
  require.cache[file] = module
  script.runInThisContext()(module.exports, require, module, file, dirname(file))
  module.loaded = true
  return {cache, exports: module.exports, script}
}

/** @returns {Buffer | 'none' | 'other-v8' | 'stale'} the V8 data when the first line is the key for `source` */
function readCache(path, source) {
  let data
  try {
    data = readFileSync(path)
  } catch {
    return 'none'
  }

  const newline = data.indexOf(10)
  const line = newline > 0 ? data.toString('latin1', 0, newline) : ''
  if (!line.startsWith(`netdata-cloud code cache 2 ${process.versions.v8} `)) return 'other-v8'
  return line === cacheKey(source) && bundleId(source) !== 'none' ? data.subarray(newline + 1) : 'stale'
}

/**
 * The directory for Node's compile cache: $XDG_CACHE_HOME/netdata-cloud (an absolute XDG_CACHE_HOME) or
 * $HOME/.cache/netdata-cloud, created (0700) when missing. Undefined, and nothing created, unless the running user owns
 * XDG_CACHE_HOME or HOME and every part below it that exists: root with HOME=/root gets /root/.cache/netdata-cloud, a
 * user whose HOME is /root (sudo without -H, the other way round) or another user's gets no cache. Never throws.
 * @param {NodeJS.ProcessEnv} env the environment (XDG_CACHE_HOME, HOME)
 * @param {number | undefined} [uid] the effective uid to check against (the process's)
 * @returns {string | undefined} the directory, there and the user's, or undefined
 */
export function userCacheDir(env, uid = process.geteuid?.()) {
  if (uid === undefined) return
  const xdg = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : null
  const home = env.HOME && isAbsolute(env.HOME) ? env.HOME : null
  const top = xdg ?? home
  if (!top) return
  const parts = xdg
    ? [xdg, join(xdg, 'netdata-cloud')]
    : [home, join(home, '.cache'), join(home, '.cache/netdata-cloud')]
  try {
    for (const [i, path] of parts.entries()) {
      let owner
      try {
        owner = statSync(path).uid
      } catch (error) {
        if (i > 0 && error.code === 'ENOENT') continue // made below, by this user
        return
      }

      if (owner !== uid) return
    }

    const dir = parts.at(-1)
    mkdirSync(dir, {mode: 0o700, recursive: true})
    return dir
  } catch {}
}
