/**
 * The response signer behind `signResponse` and `signResponseFields` (see `response-signing.ts`
 * for the rules): loaded on first use.
 *
 * @module
 */
import { createContentDigest, fromFetchRequest, fromFetchResponse, requestMessage as requestMessageOf, signMessage } from '@signet/core'
import type { HttpRequestMessage, HttpResponseMessage, SignetKey } from '@signet/core'

/** Options of {@link signResponse}. */
export interface SignResponseOptions {
  /** The server's signing key. */
  readonly key: SignetKey
  /** Label of the response signature. Default `sig1`. */
  readonly label?: string
  /**
   * Covered components. Default: `"@status"`, `"content-digest"` (when there is a body),
   * `"content-type"` (when present), `"@method";req`, `"@target-uri";req`, and the request's
   * signature `"signature";req;key="<label>"` when `requestLabel` is known and the request was signed.
   */
  readonly components?: readonly string[]
  /** The label of the request signature to bind to (e.g. `identity.label`). */
  readonly requestLabel?: string
  /** `keyid` parameter. Default: the key's `kid`. */
  readonly keyid?: string
  /** `created`, unix seconds. Default: now. */
  readonly created?: number
  readonly expires?: number
  readonly tag?: string
}

/** Field lines to add to a response. */
export type ResponseSignatureFields = Array<[name: string, value: string]>

/** The body of `signResponseFields` (documented in the module that loads this one). */
export async function signResponseFields(response: HttpResponseMessage, request: HttpRequestMessage, options: SignResponseOptions): Promise<ResponseSignatureFields> {
  if (typeof options !== 'object' || options === null || typeof options.key !== 'object' || options.key === null) {
    throw new TypeError('"key" expected a SignetKey')
  }
  const added: ResponseSignatureFields = []
  let fields = [...response.fields]
  const body = response.body
  const hasBody = body !== undefined && body.length > 0
  if (hasBody && !fields.some((f) => f.name === 'content-digest')) {
    const digest = await createContentDigest(body, ['sha-256'])
    added.push(['content-digest', digest])
    fields = [...fields, { name: 'content-digest', value: digest }]
  }
  const message: HttpResponseMessage = { ...response, fields, request }
  let components = options.components
  if (components === undefined) {
    const list = ['"@status"']
    if (hasBody) list.push('"content-digest"')
    if (fields.some((f) => f.name === 'content-type')) list.push('"content-type"')
    list.push('"@method";req', '"@target-uri";req')
    if (options.requestLabel !== undefined && request.fields.some((f) => f.name === 'signature')) {
      list.push(`"signature";req;key="${options.requestLabel}"`)
    }
    components = list
  }
  type SignOptions = Parameters<typeof signMessage>[1]
  const signOptions: { -readonly [K in keyof SignOptions]: SignOptions[K] } = {
    key: options.key,
    components: [...components],
    label: options.label ?? 'sig1',
  }
  if (options.keyid !== undefined) signOptions.keyid = options.keyid
  if (options.created !== undefined) signOptions.created = options.created
  if (options.expires !== undefined) signOptions.expires = options.expires
  if (options.tag !== undefined) signOptions.tag = options.tag
  const result = await signMessage(message, signOptions)
  added.push(['signature-input', result.signatureInput], ['signature', result.signature])
  return added
}

/** The body of `signResponse` (documented in the module that loads this one). */
export async function signResponse(response: Response, request: Request | HttpRequestMessage, options: SignResponseOptions): Promise<Response> {
  // `;req` components name the request's fields, never its body: a request whose body the
  // verifier already read (verify consumes it) is bound by its fields alone.
  const requestMessage =
    (request as { kind?: unknown }).kind === 'request'
      ? (request as HttpRequestMessage)
      : (request as Request).bodyUsed
        ? requestMessageOf(request as Request, undefined)
        : await fromFetchRequest(request as Request)
  const bytes = new Uint8Array(await response.arrayBuffer())
  const headers = new Headers(response.headers)
  const rebuilt = new Response(bytes.length === 0 ? null : bytes, { status: response.status, statusText: response.statusText, headers })
  const message = await fromFetchResponse(rebuilt.clone(), requestMessage)
  for (const [name, value] of await signResponseFields(message, requestMessage, options)) headers.append(name, value)
  return new Response(bytes.length === 0 ? null : bytes, { status: response.status, statusText: response.statusText, headers })
}
