// Agent versions: `netdata v1.37.1`, `v1.31.0-123-nightly`, `v2.11.0`.

export type Version = [number, number, number]

export function parseVersion(text: string): null | Version {
  const m = /v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text)
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null
}

export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]
}

/** True when a ≤ v < b (b exclusive); a or b may be undefined for an open range. */
export function inRange(v: Version, a?: Version, b?: Version): boolean {
  return (!a || compareVersions(v, a) >= 0) && (!b || compareVersions(v, b) < 0)
}

export function formatVersion(v: Version): string {
  return `v${v.join('.')}`
}
