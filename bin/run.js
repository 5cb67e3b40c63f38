#!/usr/bin/env node
// Production entry. It loads only what the invocation needs (bench/README.md has the numbers):
// - `--version` alone prints oclif's user agent (`netdata-cloud/0.1.0 linux-x64 node-v20.20.2`) without loading oclif;
//   test/process/manifest.test.ts checks it is the same text oclif prints.
// - everything else: the bundle (dist/bundle/cli.cjs, built by scripts/bundle.mjs) with its V8 code cache
//   (bin/load-bundle.js) and the committed manifest; a command's own modules are evaluated only when it runs.
import {readFileSync} from 'node:fs'
import {arch, platform, release} from 'node:os'
import {fileURLToPath} from 'node:url'

const argv = process.argv.slice(2)
// oclif says "wsl" for the platform under WSL and "x86" for ia32: leave those to oclif.
if (
  argv.length === 1 &&
  argv[0] === '--version' &&
  platform() !== 'win32' &&
  !/microsoft/i.test(release()) &&
  arch() !== 'ia32'
) {
  const {name, version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${name}/${version} ${platform()}-${arch()} node-${process.version}\n`)
} else {
  const {loadBundle} = await import('./load-bundle.js')
  const {exports: cli} = loadBundle(fileURLToPath(new URL('../dist/bundle/cli.cjs', import.meta.url)))
  // no user plugins: oclif would read <dataDir>/package.json, i.e. $HOME/.local/share/netdata-cloud, and under `sudo`
  // without -H (non-root with HOME=/root) it warns EACCES about a file this CLI never uses
  await cli.execute({loadOptions: {root: fileURLToPath(new URL('..', import.meta.url)), userPlugins: false}})
}
