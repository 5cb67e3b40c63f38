#!/usr/bin/env node
// Bundle the compiled CLI (dist/, from tsc) into dist/bundle/ with esbuild, for start-up time (bench/README.md):
//   dist/bundle/cli.js       @oclif/core's execute() (bin/run.js loads only this; --help needs nothing else)
//   dist/bundle/commands.js  COMMANDS: the command classes (package.json oclif.commands, strategy "explicit")
//   dist/bundle/chunk-*.js   code they share (@oclif/core, chalk, …) and every `await import()` of our own modules
//                            (the emulator, …), which stays a separate chunk loaded on first use.
// Loading @oclif/core from node_modules resolves and compiles ~150 files; one chunk is much cheaper.
import {build} from 'esbuild'
import {readdirSync, readFileSync, rmSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OUT = join(ROOT, 'dist/bundle')

// Bundled: @oclif/core and chalk (loaded on every start), diff (pure ESM, on the enable/disable path), and
// @peculiar/x509 with reflect-metadata (the emulator's certificates; ~290 ms from node_modules, ~120 ms bundled, most
// of `link --emulator`'s start-up; only namespace imports are used, so CommonJS interop is not in play).
// Left to node_modules: every other dependency (undici, mqtt, ws, socks, @inquirer/prompts); the code loads them with
// `await import()` where it needs them, and bundling CommonJS packages such as ws and mqtt changes their interop
// (a default export is not the constructor any more: link's MQTT step failed that way).
const BUNDLED = new Set(['@oclif/core', '@peculiar/x509', 'chalk', 'diff', 'reflect-metadata'])
const {dependencies} = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
const external = ['typescript', ...Object.keys(dependencies).filter(d => !BUNDLED.has(d))]

const commands = readdirSync(join(ROOT, 'dist/commands')).filter(f => f.endsWith('.js')).map(f => f.slice(0, -3)).sort()
// commands.js loads only the command that argv names (its own chunk), so `status` does not pay for claim's or
// link's imports (tls, https, crypto, …); with anything else in argv[2] (a flag, help, a typo, oclif manifest) it
// loads every command. Aliases come from the compiled command classes.
const aliases = {}
for (const name of commands) {
  const {default: cls} = await import(pathToFileURL(join(ROOT, 'dist/commands', `${name}.js`)).href)
  for (const alias of [...(cls.aliases ?? []), ...(cls.hiddenAliases ?? [])]) aliases[alias] = name
}

const commandsEntry = `const load = {${commands.map(name => `${JSON.stringify(name)}: () => import('./commands/${name}.js')`).join(', ')}}
const aliases = ${JSON.stringify(aliases)}
const named = process.argv[2]
const id = Object.hasOwn(load, named ?? '') ? named : aliases[named]
const ids = id ? [id] : Object.keys(load)
export const COMMANDS = Object.fromEntries(await Promise.all(ids.map(async name => [name, (await load[name]()).default])))
`

rmSync(OUT, {force: true, recursive: true})
await build({
  banner: {
    // Bundled CommonJS code (most of @oclif/core) calls require() and reads __dirname; give every chunk both.
    js: [
      "import {createRequire as __ncCreateRequire} from 'node:module'",
      "import {dirname as __ncDirname} from 'node:path'",
      "import {fileURLToPath as __ncFileURLToPath} from 'node:url'",
      'const require = __ncCreateRequire(import.meta.url)',
      'const __filename = __ncFileURLToPath(import.meta.url)',
      'const __dirname = __ncDirname(__filename)',
    ].join('; '),
  },
  bundle: true,
  // @oclif/core's engine check loads semver (~10 ms) to compare Node with *its own* package.json's engines, which it
  // finds next to __dirname, i.e. never inside dist/bundle: in the bundle it is dead weight. Our engines field stands.
  define: {'process.env.OCLIF_DISABLE_ENGINE_WARNING': '"1"'},
  chunkNames: 'chunk-[hash]',
  entryPoints: [
    {in: join(ROOT, 'scripts/bundle-cli-entry.js'), out: 'cli'},
    {in: 'commands-entry', out: 'commands'},
  ],
  // typescript: @oclif/core requires it only to read a tsconfig in development (bin/dev.js), never in dist.
  external,
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
  minify: true,
  outdir: OUT,
  platform: 'node',
  plugins: [{
    name: 'commands-entry',
    setup(b) {
      b.onResolve({filter: /^commands-entry$/}, () => ({namespace: 'nc', path: 'commands-entry'}))
      // tinyglobby (with fdir and picomatch, ~7 ms to evaluate) serves only oclif's "pattern" command discovery,
      // which the bundle does not use: evaluate it on first use.
      b.onResolve({filter: /^tinyglobby$/}, args => (args.pluginData === 'real' ? undefined : {namespace: 'nc-lazy', path: 'tinyglobby', pluginData: args.resolveDir}))
      b.onLoad({filter: /.*/, namespace: 'nc-lazy'}, args => ({
        contents: `let real; const get = () => (real ??= require(${JSON.stringify(args.path)}));
module.exports = {glob: (...a) => get().glob(...a), globSync: (...a) => get().globSync(...a)}`,
        loader: 'js', pluginData: 'real', resolveDir: args.pluginData,
      }))
      // Fast paths with the same results (scripts/bundle-fast-paths.js): string-width and ejs as @oclif/core and
      // wrap-ansi see them, and the command-id sort in oclif's plugin loader.
      const FAST = JSON.stringify(join(ROOT, 'scripts/bundle-fast-paths.js'))
      const wrap = (name, fn) => b.onResolve({filter: new RegExp(`^${name}$`)}, args => (args.pluginData === 'real' ? undefined : {namespace: 'nc-fast', path: name, pluginData: {fn, resolveDir: args.resolveDir}}))
      wrap('string-width', 'fastStringWidth')
      wrap('ejs', 'fastEjs')
      b.onLoad({filter: /.*/, namespace: 'nc-fast'}, args => ({
        contents: `module.exports = require(${FAST}).${args.pluginData.fn}(require(${JSON.stringify(args.path)}))`,
        loader: 'js', pluginData: 'real', resolveDir: args.pluginData.resolveDir,
      }))
      b.onLoad({filter: /@oclif[/\\]core[/\\]lib[/\\]config[/\\]plugin\.js$/}, async args => {
        const source = await readFile(args.path, 'utf8')
        const sort = '.sort((a, b) => a.id.localeCompare(b.id))'
        if (!source.includes(sort)) throw new Error(`${args.path}: the command sort changed; update scripts/bundle.mjs`)
        return {contents: `const {compareIds: __ncCompareIds} = require(${FAST});\n${source.replace(sort, '.sort((a, b) => __ncCompareIds(a.id, b.id))')}`, loader: 'js'}
      })
      // @oclif/core's logger: a no-op unless DEBUG is set (scripts/bundle-debug-shim.js)
      b.onResolve({filter: /^debug$/}, () => ({path: join(ROOT, 'scripts/bundle-debug-shim.js')}))
      b.onLoad({filter: /.*/, namespace: 'nc'}, () => ({contents: commandsEntry, loader: 'js', resolveDir: join(ROOT, 'dist')}))
    },
  }],
  splitting: true,
  target: 'node20',
})
