/**
 * What a signer of another scheme (`@signet/profiles`) looks like to the client, apart from
 * profile-fetch.ts, which sends with one: `signedFetch` tells the kinds of signer apart when it
 * is made, and loads the sending code with the first request of a profile signer.
 *
 * @module
 */

/** What the client needs of a profile signer. */
export interface ProfileSignerLike {
  readonly profile: string
  sign(request: Request): Promise<Request>
  /** Whether to send the request once more after this response (it may learn a clock offset). */
  retryAfter?(response: Response): Promise<boolean>
}

/** True for a profile signer (as opposed to a signer from `createSigner`). */
export function isProfileSigner(value: unknown): value is ProfileSignerLike {
  return typeof value === 'object' && value !== null && typeof (value as ProfileSignerLike).profile === 'string' && typeof (value as ProfileSignerLike).sign === 'function'
}
