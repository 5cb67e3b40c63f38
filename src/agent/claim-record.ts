// What a claim told Cloud about this node, kept beside the claim: cloud.d/netdata-cloud-claim.json.
//
// Cloud learns a node's hostname and machine GUID from the claim request (netdata-facts.md §4.1). Nothing on the node
// records what was sent: v1's netdata-claim.sh puts `$HOSTNAME` and the GUID of its compiled-in registry path into
// cloud.d/tmpin.txt with the token and deletes it on every path. So `netdata-cloud claim` writes down what it sent
// (no token, no key: the claim id, hostname, machine GUID, URL, how and when), and `status` compares that with the
// agent's own identity. A record whose claim id is not the node's claim id is stale (the node was claimed again some
// other way) and is not used. The agents never read this file.

import {join} from 'node:path'

import {readTextFile} from '../config/read.js'

export const CLAIM_RECORD_NAME = 'netdata-cloud-claim.json'

export interface ClaimRecord {
  claimId: string
  hostname: string
  machineGuid: string
  url: string
  /** v1-native, v2-direct */
  method: string
  /** ISO time of the claim */
  at: string
  /** netdata-cloud <version> */
  by: string
}

export interface ClaimRecordRead {
  path: string
  record: ClaimRecord | null
  /** why a file that is there was not used (unreadable, not a record, another claim id) */
  problem?: string
}

const FIELDS = ['claimId', 'hostname', 'machineGuid', 'url', 'method', 'at', 'by'] as const

export const claimRecordPath = (cloudDir: string): string => join(cloudDir, CLAIM_RECORD_NAME)

export function claimRecordText(record: ClaimRecord): string {
  return JSON.stringify(record, FIELDS as unknown as string[], 2) + '\n'
}

/**
 * Read the record with the checked read of every file in cloud.d (`owners`: no link, one hard link, an expected
 * owner). `claimId`: the node's claim id now; a record of another claim is returned as a problem, not a record.
 */
export function readClaimRecord(cloudDir: string, owners: readonly number[], claimId: null | string): ClaimRecordRead {
  const path = claimRecordPath(cloudDir)
  let text: null | string
  try {
    text = readTextFile(path, 'claim record', 64 * 1024, {owners})
  } catch (error) {
    return {path, problem: (error as Error).message, record: null}
  }

  if (text === null) return {path, record: null}
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return {path, problem: `${path} is not JSON: ignored`, record: null}
  }

  const o = parsed as Record<string, unknown>
  if (
    typeof o !== 'object' ||
    o === null ||
    FIELDS.some(f => typeof o[f] !== 'string' || (o[f] as string).length > 512)
  )
    return {path, problem: `${path} is not a claim record: ignored`, record: null}
  const record = Object.fromEntries(FIELDS.map(f => [f, o[f]])) as unknown as ClaimRecord
  if (!claimId || record.claimId.toLowerCase() !== claimId.toLowerCase())
    return {
      path,
      problem: `${path} records claim ${record.claimId}, not this node's ${claimId ?? '(none)'}: the node was claimed again another way; ignored`,
      record: null,
    }
  return {path, record}
}
