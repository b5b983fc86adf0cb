/**
 * The console's signature inspector: a raw HTTP/1.1 request and a key in, the signature base
 * line by line and a verdict in words out.
 *
 * A request is signed over the base its client built and verified over the base the server
 * rebuilds. The two differ exactly where the client and the server disagree about the request:
 * behind a TLS-terminating proxy the server sees `http` and its own address where the client
 * signed `https` and the public host. So two bases are built from the one pasted request: the
 * client's (the request as written, origin-form targets under `clientScheme`) and the server's
 * (`serverScheme`, and `serverAuthority` in place of `Host` when given, as a proxy that
 * rewrites it would). The verdict is the server's: the signature is checked over the server's
 * base. When it fails there but holds over the client's, the lines where the bases differ are
 * the ones to blame and are marked. A body changed after signing leaves the signature intact
 * but not `Content-Digest` (RFC 9530 section 2): that line is marked.
 *
 * The key is used for this one call and dropped: it is never stored, logged or sent back. With
 * no key pasted, the registry's key for the signature's `keyid` is used, and its state counts
 * as the server would count it.
 *
 * @module
 */
import {
  SignetError,
  checkTimes,
  componentValue,
  importKey,
  isSignetError,
  parseComponentIdentifier,
  parseHttpMessage,
  parseSignatures,
  serializeComponentIdentifier,
  verifyMessageDigest,
  verifySignature,
} from '@signet/core'
import type { HttpRequestMessage, KeyRecord, ParsedSignature, SignetKey } from '@signet/core'

/** What the inspector is asked. */
export interface InspectRequest {
  /** The raw HTTP/1.1 request, LF or CRLF line endings. */
  readonly request: string
  /** A JWK (JSON) or PEM; empty: the registry's key for the signature's `keyid`. */
  readonly key?: string | undefined
  /** The scheme the client signed an origin-form request under (default `https`). */
  readonly clientScheme?: string | undefined
  /** The scheme the server sees (default `http`: `signet serve` speaks plain HTTP). */
  readonly serverScheme?: string | undefined
  /** The authority the server sees instead of `Host` (a proxy that rewrites it); default `Host`. */
  readonly serverAuthority?: string | undefined
  /** The signature to inspect; default the first. */
  readonly label?: string | undefined
}

/** One line of the signature base. */
export interface BaseLine {
  /** The component identifier as serialized (`"@method"`, `"content-digest"`, `"@signature-params"`). */
  readonly component: string
  /** The value in the server's base; null when it cannot be built. */
  readonly value: string | null
  /** The value in the client's base, when it differs from the server's. */
  readonly clientValue?: string | null
  /** True for the line the verdict blames. */
  readonly failed: boolean
  /** Why the line is marked. */
  readonly note?: string
}

/** What the inspector answers. */
export interface InspectResult {
  readonly verdict: 'valid' | 'invalid'
  /** The error code when invalid. */
  readonly code?: string
  /** The verdict in words. */
  readonly reason: string
  /** Labels of every signature on the request. */
  readonly labels: readonly string[]
  readonly label?: string
  readonly keyid?: string | null
  readonly alg?: string | null
  /** Where the key came from. */
  readonly keySource: 'pasted' | 'registry' | 'none'
  readonly lines: readonly BaseLine[]
  /** The request as the server rebuilds it, and as the client saw it. */
  readonly server?: { readonly targetUri: string | null; readonly authority: string | null }
  readonly client?: { readonly targetUri: string | null; readonly authority: string | null }
  /** Warnings that do not change the verdict (age against the default policy, ...). */
  readonly notes: readonly string[]
}

/** Looks a key id up in the registry (the console passes the registry's resolver). */
export type RegistryLookup = (keyid: string) => Promise<KeyRecord | undefined>

/** The default maximum signature age of a verifier (DESIGN.md "Policy defaults"). */
const DEFAULT_MAX_AGE_SECONDS = 300
/** The default clock skew of a verifier. */
const DEFAULT_SKEW_SECONDS = 30
/** Longest request text the inspector reads. */
export const MAX_REQUEST_CHARS = 1_000_000

const SIGNATURE_PARAMS = '"@signature-params"'

function codeOf(error: unknown): string {
  return isSignetError(error) ? error.code : 'ERR_USAGE'
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function invalid(code: string, reason: string, rest: Omit<InspectResult, 'verdict' | 'code' | 'reason'>): InspectResult {
  return { verdict: 'invalid', code, reason, ...rest }
}

/** A request under another scheme and authority: what a server behind a proxy rebuilds. */
function serverView(message: HttpRequestMessage, scheme: string, authority: string | undefined): HttpRequestMessage {
  let target = message.target
  // A server is sent origin-form: an absolute-form target reaches it as its path and query.
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(target)) {
    const url = new URL(target)
    target = url.pathname + url.search
  }
  return { ...message, scheme, target, authority: authority ?? (message.target === target ? message.authority : hostOf(message) ?? message.authority) }
}

function hostOf(message: HttpRequestMessage): string | undefined {
  return message.fields.find((f) => f.name === 'host')?.value
}

function valueOrNull(message: HttpRequestMessage, component: string): string | null {
  try {
    return componentValue(message, parseComponentIdentifier(component))
  } catch {
    return null
  }
}

function checkScheme(value: string | undefined, fallback: string, name: string): string {
  const scheme = value === undefined || value === '' ? fallback : value.toLowerCase()
  if (scheme !== 'http' && scheme !== 'https') throw new TypeError(`"${name}" expected http or https, got ${JSON.stringify(scheme.slice(0, 20))}`)
  return scheme
}

/**
 * The pasted key: a JWK as JSON, or PEM text, and the `kid` its paster wrote (a JWK without
 * one gets its thumbprint as `kid` on import, which says nothing about the signature's keyid).
 */
async function pastedKey(text: string): Promise<{ key: SignetKey; kid: string | undefined }> {
  const trimmed = text.trim()
  if (!trimmed.startsWith('{')) return { key: await importKey(trimmed), kid: undefined }
  let jwk: JsonWebKey & { kid?: string }
  try {
    jwk = JSON.parse(trimmed) as JsonWebKey & { kid?: string }
  } catch {
    // The text may be a secret: the message names the problem, never the content.
    throw new SignetError('ERR_KEY_INVALID', 'the key is not valid JSON (paste a JWK or a PEM)')
  }
  return { key: await importKey(jwk), kid: typeof jwk.kid === 'string' ? jwk.kid : undefined }
}

const STATE_CODES = { disabled: 'ERR_KEY_DISABLED', revoked: 'ERR_KEY_REVOKED' } as const

/** A base line while the inspection marks it. */
type MutableLine = { -readonly [K in keyof BaseLine]: BaseLine[K] }

/** A signature being inspected: both views of the request, its base lines, and what is known so far. */
interface Inspection {
  readonly client: HttpRequestMessage
  readonly server: HttpRequestMessage
  readonly parsed: ParsedSignature
  readonly lines: MutableLine[]
  readonly notes: string[]
  keySource: InspectResult['keySource']
  /** Everything of the result but the verdict. */
  readonly report: () => Omit<InspectResult, 'verdict' | 'code' | 'reason'>
}

function mark(inspection: Inspection, component: string, note: string): void {
  for (const line of inspection.lines) {
    if (line.component === component) {
      line.failed = true
      line.note = note
    }
  }
}

/**
 * The base lines of the server's view, each with the client's value where it differs. The first
 * component that cannot be built is returned as the failure (its line marked).
 */
function baseLines(client: HttpRequestMessage, server: HttpRequestMessage, parsed: ParsedSignature): { lines: MutableLine[]; missing?: { code: string; message: string } } {
  const lines: MutableLine[] = []
  let missing: { code: string; message: string } | undefined
  for (const component of parsed.input.components) {
    const id = serializeComponentIdentifier(component)
    let value: string | null = null
    let note: string | undefined
    try {
      value = componentValue(server, component)
    } catch (error) {
      note = `${codeOf(error)}: ${messageOf(error)}`
      missing ??= { code: codeOf(error), message: `${id}: ${messageOf(error)}` }
    }
    const line: MutableLine = { component: id, value, failed: note !== undefined }
    const clientValue = valueOrNull(client, id)
    if (clientValue !== value) line.clientValue = clientValue
    if (note !== undefined) line.note = note
    lines.push(line)
  }
  lines.push({ component: SIGNATURE_PARAMS, value: parsed.input.serialized, failed: false })
  return missing === undefined ? { lines } : { lines, missing }
}

/**
 * The key to verify with: the pasted one (its `kid`, when written, must be the signature's
 * `keyid`), else the registry's for the `keyid`, refused as the server refuses it when disabled,
 * revoked, expired or not yet valid.
 *
 * @returns the key, or the verdict that ends the inspection
 */
async function resolveKey(inspection: Inspection, pasted: string, lookup: RegistryLookup | undefined, now: number): Promise<SignetKey | InspectResult> {
  const keyid = inspection.parsed.input.params.keyid ?? null
  const fail = (code: string, reason: string): InspectResult => invalid(code, reason, inspection.report())
  try {
    if (pasted !== '') {
      inspection.keySource = 'pasted'
      const given = await pastedKey(pasted)
      if (given.kid !== undefined && keyid !== null && given.kid !== keyid) {
        mark(inspection, SIGNATURE_PARAMS, `keyid ${JSON.stringify(keyid)} is not the pasted key's kid ${JSON.stringify(given.kid)}`)
        return fail('ERR_KEY_ID_MISMATCH', `the signature names keyid ${JSON.stringify(keyid)}, the pasted key is ${JSON.stringify(given.kid)}`)
      }
      return given.key
    }
    if (keyid === null) return fail('ERR_KEY_NOT_FOUND', 'no key was pasted and the signature names no keyid to look up')
    if (lookup === undefined) return fail('ERR_KEY_NOT_FOUND', 'no key was pasted')
    const record = await lookup(keyid)
    if (record === undefined) return fail('ERR_KEY_NOT_FOUND', `no key was pasted and the registry has no key ${JSON.stringify(keyid.slice(0, 64))}`)
    inspection.keySource = 'registry'
    if (record.state === 'disabled' || record.state === 'revoked') {
      return fail(STATE_CODES[record.state], `the registry's key ${keyid} is ${record.state}: the server refuses it whatever the signature`)
    }
    if (record.expires !== undefined && now >= record.expires) return fail('ERR_KEY_EXPIRED', `the registry's key ${keyid} has expired`)
    if (record.notBefore !== undefined && now < record.notBefore) return fail('ERR_KEY_NOT_YET_VALID', `the registry's key ${keyid} is not valid yet`)
    return record.key
  } catch (error) {
    return fail(codeOf(error), `the key cannot be used: ${messageOf(error)}`)
  }
}

/**
 * Times: `expires` always counts (RFC 9421 section 3.2.1); age and a future `created` are held
 * to the default policy as notes, since a request pasted for inspection is often old.
 *
 * @returns the verdict for an expired signature, else undefined
 */
function checkInspectionTimes(inspection: Inspection, now: number): InspectResult | undefined {
  const params = inspection.parsed.input.params
  try {
    checkTimes(params, { now, allowCreatedInFuture: true })
  } catch (error) {
    mark(inspection, SIGNATURE_PARAMS, messageOf(error))
    return invalid(codeOf(error), `the signature has expired: ${messageOf(error)}`, inspection.report())
  }
  try {
    checkTimes(params, { now, maxAgeSeconds: DEFAULT_MAX_AGE_SECONDS, clockSkewSeconds: DEFAULT_SKEW_SECONDS })
  } catch (error) {
    inspection.notes.push(`${codeOf(error)}: ${messageOf(error)}; a server with the default policy (max age ${DEFAULT_MAX_AGE_SECONDS} s) refuses it`)
  }
  return undefined
}

/** The Content-Digest failure of a body under a covered `content-digest`, or undefined when it holds. */
async function digestFailure(inspection: Inspection): Promise<unknown> {
  const covered = inspection.lines.some((l) => l.component === '"content-digest"')
  if (!covered || inspection.server.body === undefined) return undefined
  return verifyMessageDigest(inspection.server).then(() => undefined, (error: unknown) => error)
}

/**
 * The signature does not hold over the server's base: find the line to blame. If it holds over
 * the client's base, the lines where the two differ; else `content-digest` when the body does
 * not match it either; else no line (another key, or a value changed in transit).
 */
async function blameInvalidSignature(inspection: Inspection, key: SignetKey): Promise<InspectResult> {
  const report = inspection.report
  const differing = inspection.lines.filter((l) => l.clientValue !== undefined)
  if (differing.length > 0) {
    const clientSignature = parseSignatures(inspection.client).find((p) => p.label === inspection.parsed.label) as ParsedSignature
    const holdsForClient = await verifySignature(inspection.client, clientSignature, key).then(() => true, () => false)
    if (holdsForClient) {
      for (const line of differing) {
        line.failed = true
        line.note = `signed as ${JSON.stringify(line.clientValue)}, the server rebuilds ${JSON.stringify(line.value)}`
      }
      const { client, server } = report()
      return invalid(
        'ERR_SIGNATURE_INVALID',
        `invalid: the signature holds over the client's base but not over the server's rebuild; the marked lines differ (the client signed ${client?.targetUri ?? '?'}, the server sees ${server?.targetUri ?? '?'})`,
        report(),
      )
    }
  }
  const digest = await digestFailure(inspection)
  if (digest !== undefined) {
    mark(inspection, '"content-digest"', `${codeOf(digest)}: ${messageOf(digest)}`)
    return invalid('ERR_SIGNATURE_INVALID', 'invalid: the signature does not verify, and the body does not match Content-Digest either: the body and its digest were changed after signing', report())
  }
  return invalid(
    'ERR_SIGNATURE_INVALID',
    'invalid: the signature does not verify over this base; a covered value was changed after signing, or the key is not the one that signed',
    report(),
  )
}

/**
 * Inspect one signature of a raw request: read it from both sides, build the base lines, find
 * the key, check the times, verify over the server's base, then the body's digest; the first
 * stage that fails gives the verdict and marks its line.
 *
 * @param input - the request text, an optional key, the schemes and authority to compare
 * @param lookup - the registry's key lookup, used when no key is pasted
 * @param now - the clock in unix seconds
 * @returns the base lines of the server's rebuild with the failing line marked, the verdict in
 *   words and the rebuilt `@target-uri` and `@authority` of both sides; never throws for a bad
 *   request or key (they are verdicts), only for misuse
 * @throws {TypeError} for a scheme other than http or https, or a request that is not text
 * @throws {RangeError} for a request over {@link MAX_REQUEST_CHARS} characters
 * @example
 * ```ts
 * const result = await inspectRequest({ request: text, key: jwkText }, lookup, Date.now() / 1000)
 * result.verdict // 'valid'
 * ```
 */
export async function inspectRequest(input: InspectRequest, lookup: RegistryLookup | undefined, now: number): Promise<InspectResult> {
  if (typeof input.request !== 'string') throw new TypeError('"request" expected the raw request as text')
  if (input.request.length > MAX_REQUEST_CHARS) throw new RangeError(`"request" expected at most ${MAX_REQUEST_CHARS} characters`)
  const clientScheme = checkScheme(input.clientScheme, 'https', 'clientScheme')
  const serverScheme = checkScheme(input.serverScheme, 'http', 'serverScheme')
  const serverAuthority = input.serverAuthority === undefined || input.serverAuthority.trim() === '' ? undefined : input.serverAuthority.trim()
  const empty = { labels: [], keySource: 'none', lines: [], notes: [] } as const

  // 1. The request as the client signed it, and as the server sees it.
  let client: HttpRequestMessage
  try {
    const parsed = parseHttpMessage(input.request, { scheme: clientScheme })
    if (parsed.kind !== 'request') return invalid('ERR_MALFORMED_MESSAGE', 'this is a response: paste a request', empty)
    client = parsed
  } catch (error) {
    return invalid(codeOf(error), `the request cannot be read: ${messageOf(error)}`, empty)
  }
  const server = serverView(client, serverScheme, serverAuthority)
  const sides = {
    server: { targetUri: valueOrNull(server, '"@target-uri"'), authority: valueOrNull(server, '"@authority"') },
    client: { targetUri: valueOrNull(client, '"@target-uri"'), authority: valueOrNull(client, '"@authority"') },
  }

  // 2. The signature.
  let all: ParsedSignature[]
  try {
    all = parseSignatures(server)
  } catch (error) {
    return invalid(codeOf(error), `no signature can be read: ${messageOf(error)}`, { ...empty, ...sides })
  }
  const labels = all.map((p) => p.label)
  const parsed = input.label === undefined || input.label === '' ? all[0] : all.find((p) => p.label === input.label)
  if (parsed === undefined) {
    return invalid('ERR_LABEL_NOT_FOUND', `no signature is labelled ${JSON.stringify(String(input.label).slice(0, 64))}`, { ...empty, labels, ...sides })
  }

  // 3. Its base, line by line.
  const { lines, missing } = baseLines(client, server, parsed)
  const params = parsed.input.params
  const inspection: Inspection = {
    client,
    server,
    parsed,
    lines,
    notes: [],
    keySource: 'none',
    report: () => ({
      labels,
      label: parsed.label,
      keyid: params.keyid ?? null,
      alg: typeof params.alg === 'string' ? params.alg : null,
      keySource: inspection.keySource,
      lines,
      ...sides,
      notes: inspection.notes,
    }),
  }
  if (missing !== undefined) return invalid(missing.code, `the base cannot be built: ${missing.message}`, inspection.report())

  // 4. The key, 5. the times.
  const key = await resolveKey(inspection, input.key?.trim() ?? '', lookup, now)
  if (!isKey(key)) return key
  const expired = checkInspectionTimes(inspection, now)
  if (expired !== undefined) return expired

  // 6. The signature over the server's base, 7. the body against Content-Digest.
  try {
    await verifySignature(server, parsed, key)
  } catch (error) {
    const code = codeOf(error)
    if (code === 'ERR_ALG_MISMATCH' || code === 'ERR_ALG_NOT_ALLOWED') {
      mark(inspection, SIGNATURE_PARAMS, messageOf(error))
      return invalid(code, messageOf(error), inspection.report())
    }
    if (code !== 'ERR_SIGNATURE_INVALID') return invalid(code, messageOf(error), inspection.report())
    return blameInvalidSignature(inspection, key)
  }
  const digest = await digestFailure(inspection)
  if (digest !== undefined) {
    mark(inspection, '"content-digest"', `${codeOf(digest)}: ${messageOf(digest)}`)
    return invalid(codeOf(digest), 'invalid: the signature holds, but the body is not the one signed (it does not match Content-Digest)', inspection.report())
  }
  return { verdict: 'valid', reason: `valid: signature ${JSON.stringify(parsed.label)} verifies over the server's base with the ${inspection.keySource} key`, ...inspection.report() }
}

function isKey(value: SignetKey | InspectResult): value is SignetKey {
  return !('verdict' in value)
}
