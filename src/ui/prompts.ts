// The interactive prompts (TTY only), on stderr so that stdout stays the command's output. Callers import this module
// with `await import()` when a prompt is really shown, so that no other run loads @inquirer/prompts.
import {confirm, password} from '@inquirer/prompts'

/** The masked claim-token prompt; the token is never echoed. */
export async function promptToken(): Promise<string> {
  return password(
    {
      mask: '*',
      message: 'Netdata Cloud claim token (Space → Connect nodes):',
      validate: v => (v.trim() === '' ? 'the token is required' : true),
    },
    {output: process.stderr},
  )
}

/** A yes/no question that defaults to no. */
export async function confirmAction(message: string): Promise<boolean> {
  return confirm({default: false, message}, {output: process.stderr})
}
