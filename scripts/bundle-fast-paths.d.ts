// Types for scripts/bundle-fast-paths.js (used by test/process/manifest.test.ts).
export function compareIds(a: string, b: string): number
export function fastStringWidth(stringWidth: (s: string) => number): (s: string) => number
export function fastEjs<E extends {render: (...args: any[]) => any}>(ejs: E): E
