/**
 * After the last stage: the `onVerified` and `onRejected` hooks (usage and audit). They never
 * delay or change the decision: each runs after the current task, and its failures are
 * swallowed.
 *
 * @module
 */
import { isSignetError } from '@signet/core/verifying'
import type { VerificationEvent } from './types.ts'

/**
 * Call a hook after the current task; a throw or a rejection is ignored.
 *
 * @param hook - the hook, or undefined for none.
 * @param event - the event to hand it.
 */
export function fire(hook: ((event: VerificationEvent) => void | Promise<void>) | undefined, event: VerificationEvent): void {
  if (hook === undefined) return
  queueMicrotask(() => {
    try {
      const result = hook(event)
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') (result as Promise<void>).then(undefined, () => {})
    } catch {
      // Deliberately ignored: a broken audit sink must not turn into refused requests.
    }
  })
}

/**
 * The `onRejected` event: the clock's time, and the key, label, client address and code when
 * known. One builder for `verify`'s own refusals and the adapters' (`reject`), so an audit sink
 * sees one shape.
 *
 * @param time - the verifier's clock, unix milliseconds.
 * @param error - the refusal.
 * @param keyid - the key id last tried, when known.
 * @param label - the signature label last tried, when known.
 * @param ip - the client address, when known.
 * @returns the event.
 */
export function rejectedEvent(time: number, error: unknown, keyid: string | undefined, label: string | undefined, ip: string | undefined): VerificationEvent {
  const event: VerificationEvent = { time }
  if (keyid !== undefined) event.keyid = keyid
  if (label !== undefined) event.label = label
  if (ip !== undefined) event.ip = ip
  if (isSignetError(error)) event.code = error.code
  return event
}
