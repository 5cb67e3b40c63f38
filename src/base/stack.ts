// A stack trace with the bundle's positions (dist/bundle/cli.cjs:1:48213) put back to the TypeScript sources
// (src/services/claim.ts:42:11), for the report of a BugError. The build writes the bundle's source map next to it,
// cli.cjs.map (scripts/bundle.mjs: esbuild, chained through tsc's maps to src/). It is read here, only when a stack is
// shown: node --enable-source-maps cannot map the bundle, which bin/load-bundle.js compiles with vm.Script, and
// reading the map on every start would cost every run for the rare one that fails (README.md, Performance).
import {readFileSync} from 'node:fs'
import {SourceMap} from 'node:module'
import {dirname, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

// "    at name (/abs/file.cjs:LINE:COLUMN)" or "    at /abs/file.cjs:LINE:COLUMN"
const FRAME = /^(\s+at (?:.*?\()?)(\/[^()]*?\.c?js):(\d+):(\d+)(\)?)$/

/** `stack` with every frame in a file that has a `.map` beside it mapped to its original source; others unchanged. */
export function sourceMappedStack(stack: string): string {
  const maps = new Map<string, null | SourceMap>()
  const mapOf = (file: string): null | SourceMap => {
    if (!maps.has(file)) {
      try {
        maps.set(file, new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))))
      } catch {
        maps.set(file, null)
      }
    }

    return maps.get(file) ?? null
  }

  return stack
    .split('\n')
    .map(line => {
      const m = FRAME.exec(line)
      const map = m && mapOf(m[2])
      if (!m || !map) return line
      const entry = map.findEntry(Number(m[3]) - 1, Number(m[4]) - 1) as Partial<{
        originalColumn: number
        originalLine: number
        originalSource: string
      }>
      if (!entry.originalSource || entry.originalLine === undefined || entry.originalColumn === undefined) return line
      const source = entry.originalSource.startsWith('file:')
        ? fileURLToPath(entry.originalSource)
        : resolve(dirname(m[2]), entry.originalSource)
      return `${m[1]}${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}${m[5]}`
    })
    .join('\n')
}
