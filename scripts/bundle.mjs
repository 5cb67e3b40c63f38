#!/usr/bin/env node
// Bundle the compiled CLI (dist/, from tsc) into dist/bundle/ with esbuild, for start-up time (bench/README.md):
//   dist/bundle/cli.js       @oclif/core's execute() (bin/run.js loads only this; --help needs nothing else)
//   dist/bundle/commands.js  COMMANDS: every command class (package.json oclif.commands, strategy "explicit")
//   dist/bundle/chunk-*.js   code they share (@oclif/core, chalk, …) and every `await import()` of our own modules
//                            (the emulator, …), which stays a separate chunk loaded on first use.
// Loading @oclif/core from node_modules resolves and compiles ~150 files; one chunk is much cheaper.
import {build} from 'esbuild'
import {readdirSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OUT = join(ROOT, 'dist/bundle')

// Bundled: @oclif/core and chalk (loaded on every start). Left to node_modules: every other dependency; the code
// loads them with `await import()` on the path that needs them, so they cost nothing at start-up, and bundling
// CommonJS packages such as ws and mqtt changes their interop (a default export is not the constructor any more).
const BUNDLED = new Set(['@oclif/core', 'chalk'])
const {dependencies} = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
const external = ['typescript', ...Object.keys(dependencies).filter(d => !BUNDLED.has(d))]

const commands = readdirSync(join(ROOT, 'dist/commands')).filter(f => f.endsWith('.js')).map(f => f.slice(0, -3)).sort()
const ident = name => `Command_${name.replace(/\W/g, '_')}`
const commandsEntry = [
  ...commands.map(name => `import ${ident(name)} from './commands/${name}.js'`),
  `export const COMMANDS = {${commands.map(name => `${JSON.stringify(name)}: ${ident(name)}`).join(', ')}}`,
].join('\n')

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
      b.onLoad({filter: /.*/, namespace: 'nc'}, () => ({contents: commandsEntry, loader: 'js', resolveDir: join(ROOT, 'dist')}))
    },
  }],
  splitting: true,
  target: 'node20',
})
