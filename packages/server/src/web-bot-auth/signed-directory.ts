/**
 * Building the signed directory response behind `directoryResponse` (see
 * `directory-response.ts` for the format): loaded on first use.
 *
 * @module
 */
import { createContentDigest, exportJwk, fromFetchRequest, publicKey, signMessage, thumbprint, utf8 } from '@signet/core'
import type { HttpRequestMessage, HttpResponseMessage, SignetKey } from '@signet/core'
import { DIRECTORY_MEDIA_TYPE } from '../resolvers/directory-fetch.ts'
import { DIRECTORY_TAG } from '../resolvers/directory-keys.ts'

/** A key to publish: a private Signet key, or one with its validity window. */
export type DirectoryKeyInput = SignetKey | { readonly key: SignetKey; readonly notBefore?: number | undefined; readonly expires?: number | undefined }

/** Options of {@link directoryResponse}. */
export interface DirectoryResponseOptions {
  /** The request being answered (its authority is signed), or the authority itself (`agent.example`). */
  readonly request: Request | HttpRequestMessage | string
  /** Signature creation time, unix seconds. Default now. */
  readonly created?: number | undefined
  /**
   * Signature lifetime, seconds. Default 604 800 (a week): the draft's "Directory Response
   * Signature Lifetimes" advises lifetimes well beyond how often the directory is refetched.
   */
  readonly expiresInSeconds?: number | undefined
  /** Write `nbf`/`exp` on keys that do not carry their own (default true). */
  readonly keyValidity?: boolean | undefined
  /** `Cache-Control: max-age`, seconds; lowered to the signatures' remaining lifetime. Default 3600. */
  readonly maxAgeSeconds?: number | undefined
}

function isSignetKeyLike(value: unknown): value is SignetKey {
  return typeof value === 'object' && value !== null && 'algorithm' in value && 'type' in value
}

async function requestMessage(request: DirectoryResponseOptions['request']): Promise<HttpRequestMessage> {
  if (typeof request === 'string') {
    return { kind: 'request', method: 'GET', scheme: 'https', authority: request, target: '/.well-known/http-message-signatures-directory', fields: [{ name: 'host', value: request }], trailers: [], body: undefined }
  }
  if (typeof request === 'object' && request !== null && (request as HttpRequestMessage).kind === 'request') return request as HttpRequestMessage
  if (typeof Request !== 'undefined' && request instanceof Request) return fromFetchRequest(request)
  throw new TypeError('"request" expected a Request, an HttpRequestMessage or an authority string')
}

/** The body of `directoryResponse` (documented in the module that loads this one). */
export async function directoryResponse(keys: readonly DirectoryKeyInput[], options: DirectoryResponseOptions): Promise<Response> {
  const { headers, body } = await directoryResponseParts(keys, options)
  return new Response(body as Uint8Array<ArrayBuffer>, { status: 200, headers })
}

/** The body of `directoryResponseParts` (documented in the module that loads this one). */
export async function directoryResponseParts(keys: readonly DirectoryKeyInput[], options: DirectoryResponseOptions): Promise<{ headers: [string, string][]; body: Uint8Array }> {
  if (!Array.isArray(keys) || keys.length === 0) throw new TypeError('"keys" expected a non-empty array of private keys')
  if (typeof options !== 'object' || options === null) throw new TypeError('"options" expected an object')
  const created = options.created ?? Math.floor(Date.now() / 1000)
  const lifetime = options.expiresInSeconds ?? 604_800
  const maxAge = options.maxAgeSeconds ?? 3600
  for (const [name, value] of [['created', created], ['expiresInSeconds', lifetime], ['maxAgeSeconds', maxAge]] as const) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new RangeError(`"${name}" expected a non-negative integer, got ${String(value)}`)
  }
  if (lifetime === 0) throw new RangeError('"expiresInSeconds" expected at least 1')
  const expires = created + lifetime
  const request = await requestMessage(options.request)

  const entries: { key: SignetKey; thumbprint: string; jwk: Record<string, unknown> }[] = []
  for (const [i, input] of keys.entries()) {
    const key = isSignetKeyLike(input) ? input : (input as { key: SignetKey }).key
    if (!isSignetKeyLike(key) || key.type !== 'private') throw new TypeError(`"keys[${i}]" expected a private asymmetric key`)
    const pub = publicKey(key)
    const exported = (await exportJwk(pub)) as Record<string, unknown>
    const print = await thumbprint(pub)
    // Only the members the key needs, kid as its thumbprint (section "Key Distribution and Discovery").
    const jwk: Record<string, unknown> = {}
    // Member order as in the draft's "Signed Directory Response" example.
    for (const name of ['kty', 'crv']) if (exported[name] !== undefined) jwk[name] = exported[name]
    jwk['kid'] = print
    for (const name of ['e', 'n', 'x', 'y']) if (exported[name] !== undefined) jwk[name] = exported[name]
    if (exported['alg'] !== undefined && exported['kty'] !== 'OKP') jwk['alg'] = exported['alg']
    jwk['use'] = 'sig'
    const own = isSignetKeyLike(input) ? {} : input
    const nbf = own.notBefore ?? (options.keyValidity === false ? undefined : created)
    const exp = own.expires ?? (options.keyValidity === false ? undefined : expires)
    if (nbf !== undefined) jwk['nbf'] = nbf
    if (exp !== undefined) jwk['exp'] = exp
    entries.push({ key, thumbprint: print, jwk })
  }
  const body = utf8(JSON.stringify({ keys: entries.map((e) => e.jwk) }))
  const digest = await createContentDigest(body, ['sha-256'])
  // Never cached past the proof: RFC 9111 max-age counted from now.
  const remaining = Math.max(0, expires - Math.floor(Date.now() / 1000))
  const headers: [string, string][] = [
    ['Content-Type', DIRECTORY_MEDIA_TYPE],
    ['Cache-Control', `max-age=${Math.min(maxAge, remaining)}`],
    ['Content-Digest', digest],
  ]
  const response: HttpResponseMessage = {
    kind: 'response',
    status: 200,
    fields: headers.map(([name, value]) => ({ name: name.toLowerCase(), value })),
    trailers: [],
    body,
    request,
  }
  const inputs: string[] = []
  const signatures: string[] = []
  for (const [i, entry] of entries.entries()) {
    const result = await signMessage(response, {
      key: entry.key,
      label: entries.length === 1 ? 'binding' : `binding${i}`,
      components: ['"@authority";req', '"content-digest"'],
      created,
      expires,
      keyid: entry.thumbprint,
      tag: DIRECTORY_TAG,
      paramOrder: ['created', 'expires', 'keyid', 'tag'],
    })
    inputs.push(result.signatureInput)
    signatures.push(result.signature)
  }
  headers.push(['Signature-Input', inputs.join(', ')], ['Signature', signatures.join(', ')])
  return { headers, body }
}
