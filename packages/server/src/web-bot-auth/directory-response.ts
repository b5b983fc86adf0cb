/**
 * `directoryResponse`: publish a Web Bot Auth key directory
 * (draft-ietf-webbotauth-httpsig-protocol sections "Directory Format" and "Validating the
 * Domain Binding").
 *
 * The body is a JWK Set of public keys, each with `kid` set to its RFC 7638 thumbprint,
 * `use: "sig"`, and `nbf`/`exp` (by default the signatures' `created` and `expires`: a key is
 * not vouched for outside the proof; per key when given, or none with `keyValidity: false`). The response carries `Content-Digest` (RFC 9530)
 * over those bytes and one signature per key, labelled `binding` for a single key or
 * `binding0`, `binding1`, ... for several, covering `"@authority";req` and `content-digest` with
 * `created`, `expires`, `keyid` (the thumbprint) and `tag="http-message-signatures-directory"`,
 * in the parameter order of the draft's "Signed Directory Response" example. `Cache-Control`
 * never lets a cache keep the response past the signatures' `expires`.
 *
 * The signature covers the authority the directory was fetched under, so the response is built
 * per request: call it from the handler.
 *
 * The builder (`signed-directory.ts`) loads on the first call.
 *
 * @module
 */
export type { DirectoryKeyInput, DirectoryResponseOptions } from './signed-directory.ts'
import type { DirectoryKeyInput, DirectoryResponseOptions } from './signed-directory.ts'

// Loaded on the first call: most servers never call these, and the module stays out of the
// cold import of @signet/server.
let loaded: Promise<typeof import('./signed-directory.ts')> | undefined
const load = (): Promise<typeof import('./signed-directory.ts')> => (loaded ??= import('./signed-directory.ts'))

/**
 * Build the signed directory response.
 *
 * @param keys - the private keys to publish (their public halves are published; each signs its own entry).
 * @param options - the request being answered, times, caching.
 * @returns a `Response` with status 200, the directory media type, `Content-Digest`,
 *   `Cache-Control`, `Signature-Input` and `Signature`.
 * @throws {TypeError} for a key that cannot sign (public, HMAC) or a bad option.
 * @example
 * ```ts
 * // In a fetch handler, for GET /.well-known/http-message-signatures-directory:
 * return directoryResponse([agentKey], { request })
 * ```
 */
export async function directoryResponse(keys: readonly DirectoryKeyInput[], options: DirectoryResponseOptions): Promise<Response> {
  return (await load()).directoryResponse(keys, options)
}

/**
 * The parts of {@link directoryResponse}: field lines in order and the body bytes, for servers
 * that do not speak Fetch (`node:http`).
 *
 * @returns the response fields and body.
 * @throws as {@link directoryResponse}.
 */
export async function directoryResponseParts(keys: readonly DirectoryKeyInput[], options: DirectoryResponseOptions): Promise<{ headers: [string, string][]; body: Uint8Array }> {
  return (await load()).directoryResponseParts(keys, options)
}
