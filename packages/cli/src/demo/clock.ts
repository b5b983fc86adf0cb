/**
 * The demo's clock: the system clock plus an offset the walkthrough can move forward.
 *
 * Expiry, rotation overlap and nonce lifetimes are measured in minutes or days; a walkthrough
 * that waited for them would take that long. Every time-dependent part of the demo (the
 * registry, the verifier, the nonce store, the response `Date`, the signers) reads this one
 * clock, so "ten minutes later" is one call to {@link DemoClock.advance} and every party agrees
 * on it, exactly as they would if the minutes had really passed.
 *
 * @module
 */

/** A clock shared by every party in the demo. */
export interface DemoClock {
  /** Unix milliseconds (the verifier's and the nonce store's unit). */
  nowMs(): number
  /** Unix seconds, fractional (the signer's unit). */
  nowSeconds(): number
  /** Whole unix seconds (the registry's unit). */
  nowWholeSeconds(): number
  /**
   * Move time forward.
   *
   * @param seconds - how far, at least 0
   * @throws {RangeError} for a negative or non-finite amount: time never runs backwards here
   */
  advance(seconds: number): void
  /** How far the clock has been moved ahead of the system clock, in seconds. */
  readonly skippedSeconds: number
}

/**
 * Create a demo clock.
 *
 * @param base - the underlying clock in unix milliseconds (default `Date.now`)
 * @returns a clock that starts at `base()` and can be moved forward
 * @example
 * ```ts
 * const clock = createDemoClock()
 * clock.advance(600) // every party now lives ten minutes later
 * ```
 */
export function createDemoClock(base: () => number = Date.now): DemoClock {
  let skippedMs = 0
  const nowMs = (): number => base() + skippedMs
  return {
    nowMs,
    nowSeconds: () => nowMs() / 1000,
    nowWholeSeconds: () => Math.floor(nowMs() / 1000),
    advance(seconds: number): void {
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
        throw new RangeError(`"seconds" expected a non-negative number, got ${String(seconds)}`)
      }
      skippedMs += seconds * 1000
    },
    get skippedSeconds(): number {
      return skippedMs / 1000
    },
  }
}
