/**
 * One bounded GET of a Web Bot Auth key directory, with the SSRF rules of
 * draft-ietf-webbotauth-httpsig-protocol section "Server-Side Request Forgery (SSRF)": the URL
 * comes from an untrusted `Signature-Agent` field, so the fetch
 *
 * - goes only to `https:` origins (plain `http:` only to loopback, and only when private
 *   networks are allowed, for tests);
 * - never reaches a private, loopback, link-local or otherwise non-public address unless
 *   `allowPrivateNetworks` is set: the host name is resolved here, every address it resolves to
 *   is checked, and the connection is pinned to the address that was checked (no second DNS
 *   answer, so DNS rebinding cannot swap in an internal address between check and connect);
 * - never follows a redirect (section "Key Distribution and Discovery": a verifier MUST NOT);
 * - stops at `maxBytes` counted as the bytes arrive (a chunked body has no length to trust) and
 *   refuses a compressed body (no `Accept-Encoding` is sent, so none is expected);
 * - aborts when `timeoutMs` has passed since the start, body included (a slow trickle of bytes
 *   does not extend it).
 *
 * On Node, Bun and Deno the fetch uses `node:http`/`node:https`, reached through
 * `process.getBuiltinModule`, which lets it pin the address. Elsewhere (Workers, browsers) it
 * uses `fetch` with `redirect: 'manual'`: literal addresses and `localhost` names are refused,
 * but names that resolve to private addresses cannot be checked there (Workers cannot reach
 * private networks anyway). A caller-supplied `fetch` takes the same path.
 *
 * @module
 */
import { DIRECTORY_MEDIA_TYPE, checkDirectoryUrl } from './directory-target.ts'
import type { DirectoryFetchOptions, DirectoryFetchResult } from './directory-target.ts'

export { DIRECTORY_MEDIA_TYPE, DIRECTORY_PATH, checkDirectoryUrl, isPublicAddress } from './directory-target.ts'
export type { DirectoryFetch, DirectoryFetchOptions, DirectoryFetchResult } from './directory-target.ts'

const DEFAULT_TIMEOUT_MS = 5000
const DEFAULT_MAX_BYTES = 256 * 1024

/**
 * GET a directory URL under the rules of the module doc.
 *
 * @param url - the directory URL (`https:`).
 * @param options - limits and request fields.
 * @returns the status, fields and body; any status is returned, the caller decides.
 * @throws {SignetError} `ERR_DIRECTORY_REFUSED` for a URL the rules refuse,
 *   `ERR_DIRECTORY_UNAVAILABLE` for a failed connection, a timeout or a body over the limit.
 * @example
 * ```ts
 * const result = await fetchDirectory('https://agent.example/.well-known/http-message-signatures-directory')
 * if (result.status === 200) console.log(new TextDecoder().decode(result.body))
 * ```
 */
export async function fetchDirectory(url: string | URL, options: DirectoryFetchOptions = {}): Promise<DirectoryFetchResult> {
  const target = new URL(String(url))
  const allowPrivate = options.allowPrivateNetworks === true
  checkDirectoryUrl(target, allowPrivate)
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  const headers: Record<string, string> = { accept: DIRECTORY_MEDIA_TYPE, 'accept-encoding': 'identity', ...options.headers }
  // The transport loads on the first fetch: most servers never fetch a directory.
  const { fetchGet, nodeGet, nodeModules } = await import('./directory-transport.ts')
  const node = options.fetch === undefined ? nodeModules() : undefined
  if (node !== undefined) return nodeGet(node, target, headers, timeoutMs, maxBytes, allowPrivate)
  const doFetch = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init))
  return fetchGet(doFetch, target, headers, timeoutMs, maxBytes)
}

