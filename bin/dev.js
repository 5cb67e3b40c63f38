#!/usr/bin/env -S node --import tsx
// Development entry: runs the TypeScript sources directly, no build step.
// package.json points oclif at the bundle, dist/bundle/cli.cjs (COMMANDS) with strategy explicit. Here the commands are
// found
// by file name instead: oclif maps ./dist/commands to ./src/commands in development.
import {execute} from '@oclif/core'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
pjson.oclif.commands = './dist/commands'
await execute({development: true, dir: import.meta.url, loadOptions: {pjson, root}})
