#!/usr/bin/env node
// Bundle the compiled CLI (dist/, from tsc) into one CommonJS file, dist/bundle/cli.cjs, with esbuild, then train its
// V8 code cache, dist/bundle/cli.cjs.cache (scripts/train-code-cache.mjs), for start-up time (bench/README.md):
//   execute   @oclif/core's execute(); bin/run.js loads the file with bin/load-bundle.js and calls it
//   COMMANDS  the command classes (package.json oclif.commands, strategy "explicit"); each is a getter, so a command's
//             modules (and the Node built-ins they import: tls, https, crypto, …) are evaluated only when it runs
// Every `await import()` of our own modules (the emulator, …) stays lazy inside the file (esbuild wraps the module in
// an
// initialiser). Loading @oclif/core from node_modules resolves and compiles ~150 files; one file with a code cache is
// much cheaper, and CommonJS is the format Node 20 can give a code cache to (vm.Script; ES modules cannot take one).
import {build} from 'esbuild'
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
// bench/patches.mjs builds variants: --root DIR writes DIR/dist/bundle (DIR a package root like this one), --without
// a,b leaves out those of the patches of oclif below (PATCHES). Each stays only while bench/patches.mjs shows it saves
// >= 5 ms of CPU (README.md, Performance); the engine-check define, a lazy tinyglobby and a no-op `debug` saved < 5 ms
// each once the bundle had its code cache, and were dropped.
const {values: opt} = parseArgs({options: {root: {type: 'string'}, without: {default: '', type: 'string'}}})
const OUT_ROOT = opt.root ? resolve(opt.root) : ROOT
const OUT = join(OUT_ROOT, 'dist/bundle')
const PATCHES = ['string-width', 'ejs', 'id-sort']
const without = new Set(opt.without.split(',').filter(Boolean))
for (const p of without) if (!PATCHES.includes(p)) throw new Error(`--without ${p}: not one of ${PATCHES.join(', ')}`)
const patch = name => !without.has(name)

// Bundled: @oclif/core and chalk (loaded on every start), the oclif plugins (below), diff (pure ESM, on the
// enable/disable path), the two @inquirer/prompts prompts src/ui/prompts.ts uses (ES-only: see `supported` below), and
// @peculiar/x509 with reflect-metadata (the emulator's certificates; ~290 ms from node_modules, ~120 ms bundled, most
// of `link --emulator`'s start-up; only namespace imports are used, so CommonJS interop is not in play).
// Left to node_modules: every other dependency (undici, mqtt, ws, socks); the code loads them with
// `await import()` where it needs them, and bundling CommonJS packages such as ws and mqtt changes their interop
// (a default export is not the constructor any more: link's MQTT step failed that way).
const BUNDLED = new Set([
  '@inquirer/prompts',
  '@oclif/core',
  '@oclif/plugin-autocomplete',
  '@oclif/plugin-help',
  '@oclif/plugin-not-found',
  '@peculiar/x509',
  'chalk',
  'diff',
  'reflect-metadata',
])
const {dependencies} = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
const external = ['typescript', ...Object.keys(dependencies).filter(d => !BUNDLED.has(d))]

const commands = readdirSync(join(ROOT, 'dist/commands'))
  .filter(f => f.endsWith('.js'))
  .map(f => f.slice(0, -3))
  .sort()
// A getter per command: oclif reads COMMANDS[id] when a command runs (the manifest answers --help and the command
// list), and esbuild turns each require() of an ES module into an initialiser that runs on first use.
// The oclif plugins are bundled as our own commands and hook (oclif would load a plugin from node_modules with
// import(), which the bundle has not): plugin-help's `help` and plugin-autocomplete's commands, by path (the package
// exports none of them). NOT_FOUND (package.json oclif.hooks.command_not_found) loads src/cli/not-found.ts, which uses
// plugin-not-found, only when a command is unknown.
const PLUGIN_COMMANDS = {
  autocomplete: '@oclif/plugin-autocomplete/lib/commands/autocomplete/index.js',
  'autocomplete:create': '@oclif/plugin-autocomplete/lib/commands/autocomplete/create.js',
  'autocomplete:script': '@oclif/plugin-autocomplete/lib/commands/autocomplete/script.js',
  help: '@oclif/plugin-help/lib/commands/help.js',
}
const getter = (id, file) =>
  `Object.defineProperty(COMMANDS, ${JSON.stringify(id)}, {enumerable: true, get: () => require(${JSON.stringify(file)}).default})`
const entry = `export {execute} from '@oclif/core/execute'
export const COMMANDS = {}
${commands.map(name => getter(name, `./commands/${name}.js`)).join('\n')}
${Object.entries(PLUGIN_COMMANDS)
  .map(([id, path]) => getter(id, join(ROOT, 'node_modules', path)))
  .join('\n')}
export function NOT_FOUND(options) {
  return require('./cli/not-found.js').default.call(this, options)
}
`

rmSync(OUT, {force: true, recursive: true})
await build({
  bundle: true,
  entryPoints: [{in: 'commands-entry', out: 'cli'}],
  // typescript: @oclif/core requires it only to read a tsconfig in development (bin/dev.js), never in dist.
  external,
  format: 'cjs',
  legalComments: 'none',
  logLevel: 'warning',
  minify: true,
  outExtension: {'.js': '.cjs'},
  outdir: OUT,
  platform: 'node',
  // cli.cjs.map, chained through tsc's maps to src/ (tsconfig.json sourceMap), without the sources' text: a BugError's
  // stack trace is mapped with it when it is shown (src/base/stack.ts). The comment at the end names it, for node
  // --enable-source-maps wherever the bundle is require()d (bin/load-bundle.js on Node >= 22).
  sourcemap: 'linked',
  sourcesContent: false,
  // No import() in the bundle: on Node 20, code that comes from a V8 code cache cannot run one (bin/load-bundle.js).
  // esbuild makes each a require(): our own modules stay lazy, and the external packages left to node_modules are
  // CommonJS (the namespace esbuild builds from require() has the same default and named exports as import()).
  // @inquirer/prompts is ES-only, so it is bundled (src/ui/prompts.ts imports only what it uses).
  supported: {'dynamic-import': false},
  plugins: [
    {
      name: 'commands-entry',
      setup(b) {
        b.onResolve({filter: /^commands-entry$/}, () => ({namespace: 'nc', path: 'commands-entry'}))
        // Fast paths with the same results (scripts/bundle-fast-paths.js): string-width and ejs as @oclif/core and
        // wrap-ansi see them, and the command-id sort in oclif's plugin loader.
        const FAST = JSON.stringify(join(ROOT, 'scripts/bundle-fast-paths.js'))
        const wrap = (name, fn) =>
          b.onResolve({filter: new RegExp(`^${name}$`)}, args =>
            args.pluginData === 'real' || !patch(name)
              ? undefined
              : {namespace: 'nc-fast', path: name, pluginData: {fn, resolveDir: args.resolveDir}},
          )
        wrap('string-width', 'fastStringWidth')
        wrap('ejs', 'fastEjs')
        b.onLoad({filter: /.*/, namespace: 'nc-fast'}, args => ({
          contents: `module.exports = require(${FAST}).${args.pluginData.fn}(require(${JSON.stringify(args.path)}))`,
          loader: 'js',
          pluginData: 'real',
          resolveDir: args.pluginData.resolveDir,
        }))
        b.onLoad({filter: /@oclif[/\\]core[/\\]lib[/\\]config[/\\]plugin\.js$/}, async args => {
          const source = await readFile(args.path, 'utf8')
          const sort = '.sort((a, b) => a.id.localeCompare(b.id))'
          if (!patch('id-sort')) return {contents: source, loader: 'js'}
          if (!source.includes(sort))
            throw new Error(`${args.path}: the command sort changed; update scripts/bundle.mjs`)
          return {
            contents: `const {compareIds: __ncCompareIds} = require(${FAST});\n${source.replace(sort, '.sort((a, b) => __ncCompareIds(a.id, b.id))')}`,
            loader: 'js',
          }
        })
        // plugin-not-found's confirm() prompt from our @inquirer/prompts (8.7.5: the same confirm() and cancel()), not
        // from its own 7.10 copy, which would add ~600 KB to the bundle
        b.onResolve({filter: /^@inquirer\/prompts$/}, async args => {
          if (args.pluginData === 'real' || !/plugin-not-found/.test(args.importer)) return
          const {errors, path} = await b.resolve(args.path, {kind: args.kind, pluginData: 'real', resolveDir: ROOT})
          return errors.length > 0 ? {errors} : {path}
        })
        // plugin-help's `help` command builds its Help without package.json's helpOptions (hideAliasesFromRoot), so
        // `help` listed each alias with its full description while `--help` and `-h` did not: pass them in (a fix,
        // not a speed patch; test/process/conventions.test.ts compares the three)
        b.onLoad({filter: /@oclif[/\\]plugin-help[/\\]lib[/\\]commands[/\\]help\.js$/}, async args => {
          const source = await readFile(args.path, 'utf8')
          const call = "new Help(this.config, { all: flags['nested-commands'] })"
          if (!source.includes(call))
            throw new Error(`${args.path}: the help command changed; update scripts/bundle.mjs`)
          const fixed =
            "new Help(this.config, { ...this.config.pjson.oclif.helpOptions, all: flags['nested-commands'] })"
          return {contents: source.replace(call, fixed), loader: 'js'}
        })
        b.onLoad({filter: /.*/, namespace: 'nc'}, () => ({
          contents: entry,
          loader: 'js',
          resolveDir: join(ROOT, 'dist'),
        }))
      },
    },
  ],
  target: 'node20',
})

// The bundle's id on its last line, the SHA-1 of what is above it: bin/load-bundle.js uses the shipped code cache only
// for the cli.cjs of the same id, without hashing the file at run time.
const bundleFile = join(OUT, 'cli.cjs')
const bytes = readFileSync(bundleFile)
writeFileSync(bundleFile, `${bytes}\n// netdata-cloud bundle ${createHash('sha1').update(bytes).digest('hex')}\n`)

// The code cache (bin/load-bundle.js), in a child process: what its runs print goes nowhere unless it fails.
try {
  execFileSync(process.execPath, [join(ROOT, 'scripts/train-code-cache.mjs'), OUT_ROOT], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  })
} catch (error) {
  process.stderr.write(error.stderr ?? '')
  throw error
}
