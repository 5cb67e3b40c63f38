// The bundle's entry for bin/run.js: only what starts oclif (see scripts/bundle.mjs).
export {execute} from '@oclif/core'
