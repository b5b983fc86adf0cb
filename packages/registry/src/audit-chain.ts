/**
 * The audit log as a hash chain authenticated under the registry's data key (issue 11.8).
 *
 * Each entry carries `mac` = HMAC-SHA256(integrity key, tag, previous link, entry), so an
 * entry cannot be changed, removed, reordered or inserted without breaking every link after
 * it, and only a holder of the master key can write a link. The manifest (integrity.ts) holds
 * the number of entries and the last link, which catches a log cut short at its end. A break
 * is reported with the position of the first entry that fails.
 *
 * @module
 */
import { SignetError } from '@signet/core'
import { authenticate, checkAuthentication } from './envelope.ts'
import type { DataKeys } from './envelope.ts'
import type { AuditEntry, Manifest } from './record.ts'

/** The text an entry's link covers: a tag, the previous link, and the entry's members in a fixed order. */
function linkText(previous: string, entry: AuditEntry): string {
  const details = entry.details === undefined
    ? ''
    : JSON.stringify(Object.keys(entry.details).sort().map((k) => [k, (entry.details as Record<string, unknown>)[k]]))
  return `signet-audit-link/v1\n${previous}\n${JSON.stringify([entry.time, entry.actor, entry.action, entry.keyid, entry.owner])}\n${details}`
}

/** An entry without its link. */
function unlinked(entry: AuditEntry): AuditEntry {
  const { mac: _mac, ...rest } = entry
  return rest
}

/**
 * Link entries onto a chain.
 *
 * @param keys - the registry's data keys
 * @param head - the last link so far ('' for an empty log)
 * @param entries - the entries to append (any `mac` they carry is replaced)
 * @returns the linked entries and the new head
 */
export async function linkEntries(keys: DataKeys, head: string, entries: readonly AuditEntry[]): Promise<{ entries: AuditEntry[]; head: string }> {
  const out: AuditEntry[] = []
  let previous = head
  for (const entry of entries) {
    const plain = unlinked(entry)
    const mac = await authenticate(keys, linkText(previous, plain))
    out.push({ ...plain, mac })
    previous = mac
  }
  return { entries: out, head: previous }
}

/** Where an audit log breaks, if it does. */
export interface AuditChainReport {
  /** Entries in the log. */
  readonly entries: number
  /** The index (from 0) of the first entry that fails, or of the first missing one; absent when intact. */
  readonly brokenAt?: number
  /** Why it breaks there. */
  readonly reason?: string
}

/**
 * Check a whole audit log against the manifest.
 *
 * @param keys - the registry's data keys
 * @param entries - every entry, oldest first
 * @param audit - the manifest's length and head
 * @returns a report; `brokenAt` is set when the chain breaks
 */
export async function checkAuditChain(keys: DataKeys, entries: readonly AuditEntry[], audit: Manifest['audit']): Promise<AuditChainReport> {
  let previous = ''
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as AuditEntry
    if (typeof entry !== 'object' || entry === null || typeof entry.mac !== 'string') {
      return { entries: entries.length, brokenAt: i, reason: 'the entry has no link' }
    }
    if (!(await checkAuthentication(keys, linkText(previous, unlinked(entry)), entry.mac))) {
      return { entries: entries.length, brokenAt: i, reason: 'the entry was altered, or an entry before it was removed or inserted' }
    }
    previous = entry.mac
  }
  if (entries.length !== audit.length || previous !== audit.head) {
    const at = Math.min(entries.length, audit.length)
    return {
      entries: entries.length,
      brokenAt: at,
      reason: `the log has ${entries.length} entries where the manifest lists ${audit.length}${entries.length < audit.length ? ' (cut short)' : ''}`,
    }
  }
  return { entries: entries.length }
}

/**
 * The error for a broken chain: `ERR_REGISTRY_CORRUPT`, naming the entry.
 *
 * @param report - a report with `brokenAt`
 */
export function auditBroken(report: AuditChainReport): SignetError {
  return new SignetError('ERR_REGISTRY_CORRUPT', `the audit log breaks at entry ${report.brokenAt} of ${report.entries}: ${report.reason}`)
}
