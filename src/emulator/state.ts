// What the emulated Cloud remembers: the claim tokens and room ids it accepts, and the nodes claimed with their
// public keys. In memory, and in DIR/state.json when a state directory is given (written atomically: temp file,
// fsync, rename). Claim ids are keys in lower case: v1 agents send the claimed_id file verbatim, v2 lower-cases it.

import {randomBytes, randomUUID} from 'node:crypto'
import {mkdirSync, readFileSync} from 'node:fs'
import {open, rename, unlink} from 'node:fs/promises'
import {join} from 'node:path'

import {errnoCode, UserError} from '../base/errors.js'

export interface ClaimedNode {
  claimId: string
  hostname: string
  rooms: string[]
  publicKeyPem: string
  machineGuid?: string
  claimedAt: string
  /** the node id Cloud gave in CreateNodeInstanceResult, and the machine GUID it was given for */
  nodeId?: string
  nodeIdFor?: string
}

interface StateFile {
  version: 1
  tokens: string[]
  rooms: string[]
  nodes: Record<string, ClaimedNode>
}

export class EmulatorState {
  readonly tokens: string[]
  readonly rooms: string[]
  private readonly nodes = new Map<string, ClaimedNode>()
  private writing: Promise<void> = Promise.resolve()

  constructor(
    private readonly file: string | undefined,
    tokens: string[],
    rooms: string[],
    nodes: ClaimedNode[] = [],
  ) {
    this.tokens = tokens
    this.rooms = rooms
    for (const n of nodes) this.nodes.set(n.claimId.toLowerCase(), n)
  }

  /** Load DIR/state.json if present, add the given tokens and rooms; with none at all, make one of each. */
  static load(stateDir: string | undefined, tokens: string[] = [], rooms: string[] = []): EmulatorState {
    let saved: StateFile | undefined
    const file = stateDir ? join(stateDir, 'state.json') : undefined
    if (stateDir && file) {
      mkdirSync(stateDir, {recursive: true, mode: 0o700})
      try {
        saved = JSON.parse(readFileSync(file, 'utf8')) as StateFile
      } catch (error) {
        if (errnoCode(error) !== 'ENOENT')
          throw new UserError('badInput', `cannot read the emulator state ${file}: ${(error as Error).message}`, {
            fix: 'remove or fix the file',
          })
      }
    }

    const allTokens = [...new Set([...(saved?.tokens ?? []), ...tokens])]
    const allRooms = [...new Set([...(saved?.rooms ?? []), ...rooms])]
    if (allTokens.length === 0) allTokens.push(randomBytes(48).toString('base64url'))
    if (allRooms.length === 0) allRooms.push(randomUUID())
    return new EmulatorState(file, allTokens, allRooms, Object.values(saved?.nodes ?? {}))
  }

  node(claimId: string): ClaimedNode | undefined {
    return this.nodes.get(claimId.toLowerCase())
  }

  allNodes(): ClaimedNode[] {
    return [...this.nodes.values()]
  }

  async saveNode(node: ClaimedNode): Promise<void> {
    this.nodes.set(node.claimId.toLowerCase(), node)
    await this.save()
  }

  /** Serialised writes, each atomic. */
  save(): Promise<void> {
    if (!this.file) return Promise.resolve()
    const {file} = this
    const body: StateFile = {
      version: 1,
      tokens: this.tokens,
      rooms: this.rooms,
      nodes: Object.fromEntries(this.nodes),
    }
    this.writing = this.writing.then(() => writeAtomically(file, JSON.stringify(body, null, 2) + '\n'))
    return this.writing
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  const fh = await open(tmp, 'wx', 0o600)
  try {
    await fh.writeFile(text)
    await fh.sync()
  } finally {
    await fh.close()
  }

  try {
    await rename(tmp, file)
  } catch (error) {
    await unlink(tmp).catch(() => {})
    throw error
  }
}
