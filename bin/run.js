#!/usr/bin/env node
// Production entry: loads the compiled CLI from dist/ using the committed oclif manifest.
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})
