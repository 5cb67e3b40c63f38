// Stands in for the `debug` package inside the bundle (scripts/bundle.mjs). @oclif/core only calls debug(namespace)
// to log; loading `debug` (with supports-color and tty) costs ~10 ms on every start. Without DEBUG set: a logger that
// does nothing. With DEBUG set: the real package, resolved from @oclif/core as before.
const {createRequire} = require('node:module')

const make = namespace => {
  const log = () => {}
  log.enabled = false
  log.namespace = namespace
  log.extend = (sub, delimiter = ':') => make(`${namespace}${delimiter}${sub}`)
  return log
}

// CommonJS, like the bundle it goes into: `require` is the bundle's own, which finds @oclif/core in the package's
// node_modules.
module.exports = process.env.DEBUG ? createRequire(require.resolve('@oclif/core/package.json'))('debug') : make
