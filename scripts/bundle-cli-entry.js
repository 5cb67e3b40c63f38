// The bundle's entry for bin/run.js: only what starts oclif (see scripts/bundle.mjs). @oclif/core/execute rather than
// the package index, which also evaluates flags, args, the parser and the rest that only a running command needs
// (the command chunks import them).
export {execute} from '@oclif/core/execute'
