// Loads the bundled CLI, dist/bundle/cli.cjs (one CommonJS file built by scripts/bundle.mjs: @oclif/core, chalk and
// every command), with a V8 code cache next to it, dist/bundle/cli.cjs.cache. Parsing and compiling the bundle was
// ~56 of ~190 ms of a `buildinfo` run on Node 20, which has no module compile cache (README.md, Performance); with the
// cache V8 deserialises the bytecode instead.
//
// The cache is made by the build (scripts/train-code-cache.mjs runs a few commands in one process, then saves what V8
// compiled). It fits one cli.cjs: its first line names the size and modification time of the file it was made from,
// and anything else is not used (V8 itself compares only the source's length). V8 rejects it for another Node/V8
// version or other V8 flags. Either way the bundle then compiles from source as usual, with the same result, and the
// cache is written again at exit (like Python's __pycache__): only if the directory belongs to the user running the
// command, atomically (a temporary file renamed over the old one), and silently (a read-only install just keeps
// compiling). NETDATA_CLOUD_NO_CODE_CACHE=1 neither reads nor writes it.
import {readFileSync, renameSync, statSync, unlinkSync, writeFileSync} from 'node:fs'
import Module, {createRequire} from 'node:module'
import {dirname} from 'node:path'
import vm from 'node:vm'

// The same parameters Node gives a CommonJS module.
const WRAPPER = ['(function (exports, require, module, __filename, __dirname) { ', '\n})']

export const cacheFileFor = file => `${file}.cache`

/**
 * used: V8 took the cache; rejected: V8 refused it (another Node/V8 version or flags); stale: it was made from another
 * cli.cjs; none: there is none; off: not asked to use one.
 * @typedef {'used' | 'rejected' | 'stale' | 'none' | 'off'} CacheState
 */

/**
 * @param {string} file absolute path of the CommonJS bundle
 * @param {{useCache?: boolean, refresh?: boolean}} [options] whether to read the cache, and to write it again when it
 *   did not fit (both on unless NETDATA_CLOUD_NO_CODE_CACHE is set)
 * @returns {{exports: any, cache: CacheState, script: import('node:vm').Script}} the bundle's exports, what became of
 *   the cache, and the compiled script (scripts/train-code-cache.mjs saves its cache)
 */
export function loadBundle(file, {useCache = !process.env.NETDATA_CLOUD_NO_CODE_CACHE, refresh = useCache} = {}) {
  const key = sourceKey(file) // before the read: a cli.cjs replaced in between then only makes the cache stale
  const source = readFileSync(file, 'utf8')
  const stored = useCache ? readCache(cacheFileFor(file), key) : 'off'
  const cachedData = typeof stored === 'string' ? undefined : stored
  // No importModuleDynamically: on Node 20 a function that comes from a code cache loses it, so the bundle has no
  // import() (scripts/bundle.mjs has esbuild turn each one into a require()).
  const script = new vm.Script(WRAPPER[0] + source + WRAPPER[1], {cachedData, filename: file})
  const cache = typeof stored === 'string' ? stored : script.cachedDataRejected ? 'rejected' : 'used'

  const module = new Module(file)
  module.filename = file
  const require = createRequire(file)
  // oclif require()s package.json's commands target, this same file: it must get this instance, not a second one.
  require.cache[file] = module
  script.runInThisContext()(module.exports, require, module, file, dirname(file))
  module.loaded = true

  if (refresh && cache !== 'used' && cache !== 'off' && ownedByCurrentUser(dirname(file)))
    process.once('exit', () => saveCodeCache(file, script, key))
  return {cache, exports: module.exports, script}
}

/**
 * Writes what V8 has compiled of the bundle so far, after the line that says which cli.cjs it belongs to (`key`, from
 * the time the bundle was loaded); never throws (a failed write only costs the next start some time).
 */
export function saveCodeCache(file, script, key = sourceKey(file)) {
  const target = cacheFileFor(file)
  const temporary = `${target}.${process.pid}.tmp`
  try {
    writeFileSync(temporary, Buffer.concat([Buffer.from(`${key}\n`), script.createCachedData()]), {
      flag: 'wx',
      mode: 0o644,
    })
    renameSync(temporary, target)
    return true
  } catch {
    try {
      unlinkSync(temporary)
    } catch {}

    return false
  }
}

// What the cache's first line must say: the bundle's size and modification time (ns).
function sourceKey(file) {
  const {mtimeNs, size} = statSync(file, {bigint: true})
  return `netdata-cloud code cache 1 ${size} ${mtimeNs}`
}

/** @returns {Buffer | 'none' | 'stale'} the V8 data when the first line is `key` */
function readCache(path, key) {
  let data
  try {
    data = readFileSync(path)
  } catch {
    return 'none'
  }

  const newline = data.indexOf(10)
  return newline > 0 && data.toString('latin1', 0, newline) === key ? data.subarray(newline + 1) : 'stale'
}

function ownedByCurrentUser(dir) {
  try {
    return process.geteuid !== undefined && statSync(dir).uid === process.geteuid()
  } catch {
    return false
  }
}
