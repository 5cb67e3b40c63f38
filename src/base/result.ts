// The shapes every service returns besides its own result: one warning type, one description of a changed file.

/** Something the user should know that does not stop the command; `fix` is the one thing to do about it. */
export interface Warning {
  message: string
  fix?: string
}

/** A file a mutating command wrote, would write (--dry-run) or left alone. */
export interface FileChange {
  path: string
  action: 'created' | 'unchanged' | 'updated' | 'would-create' | 'would-update'
  mode?: string
  owner?: string
  /** --dry-run: the unified diff (secrets masked) */
  diff?: string
}
