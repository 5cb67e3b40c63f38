// The unified diff `--dry-run` prints. The `diff` package is loaded on first use only (design.md §8).
// Every diff goes through the secret scrubber: its context lines are whatever the file holds (a proxy password in
// cloud.conf's `proxy = http://user:PASSWORD@…` was printed unmasked, issue 13).

import {redactSecrets, redactUrlCredentials} from '../base/secrets.js'

/** A unified diff of a file's text before and after an edit ('' when they are equal). `before` null = a new file. */
export async function unifiedDiff(path: string, before: null | string, after: null | string): Promise<string> {
  if (before === after) return ''
  const {createTwoFilesPatch} = await import('diff')
  const patch = createTwoFilesPatch(
    before === null ? '/dev/null' : path,
    after === null ? '/dev/null' : path,
    before ?? '',
    after ?? '',
    '',
    '',
    {context: 3},
  )
  // drop the "Index:" / "====" preamble some versions add; keep ---/+++ and the hunks
  return redactSecrets(
    redactUrlCredentials(
      patch
        .split('\n')
        .filter(l => !/^(Index: |=+$)/.test(l))
        .join('\n'),
    ),
  )
}
