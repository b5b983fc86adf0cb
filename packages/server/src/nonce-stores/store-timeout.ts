/**
 * The bound every remote nonce store puts on one call (Redis, Deno KV, Durable Objects): an
 * answer within `timeoutMs`, or `ERR_STORE_UNAVAILABLE`, so a verifier fails closed (503)
 * instead of waiting on a store that does not answer.
 *
 * @module
 */
import { SignetError } from '@signet/core/verifying'

/**
 * Check a store's `timeoutMs` option.
 *
 * @param value - the option as given.
 * @returns the timeout, 1000 ms when absent.
 * @throws {RangeError} for anything but a positive number.
 */
export function storeTimeoutMs(value: number | undefined): number {
  const timeoutMs = value ?? 1000
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`"timeoutMs" expected a positive number, got ${String(timeoutMs)}`)
  return timeoutMs
}

/**
 * `call`'s answer, or `ERR_STORE_UNAVAILABLE` when it throws, fails or takes longer than
 * `timeoutMs`.
 *
 * @param call - starts the store's call (inside the bound, so a synchronous throw counts too).
 * @param timeoutMs - the bound.
 * @param store - the store's name, for the message ("the Deno KV nonce store").
 * @returns what `call` resolved to.
 * @throws {SignetError} `ERR_STORE_UNAVAILABLE`, with the failure as its cause.
 */
export async function withinStoreTimeout<T>(call: () => Promise<T>, timeoutMs: number, store: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([call(), timeout])
  } catch (cause) {
    throw new SignetError('ERR_STORE_UNAVAILABLE', `${store} is unreachable`, { cause })
  } finally {
    clearTimeout(timer)
  }
}
