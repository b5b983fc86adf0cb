/**
 * Leak response: a handler for GitHub-style secret-scanning alerts that revokes every live
 * registry secret they report.
 *
 * A scanning provider that finds a token matching the registry's pattern (formats.ts
 * `SECRET_PATTERN`, CRC-32 checked) POSTs a JSON array of `{ token, type, url, source }`, signed
 * over the exact body bytes with ECDSA P-256 / SHA-256 (a DER signature, base64, in
 * `GITHUB-PUBLIC-KEY-SIGNATURE`) by the key named in `GITHUB-PUBLIC-KEY-IDENTIFIER`. The
 * provider's keys are given in its `public_keys` JSON layout (`{ "public_keys": [{
 * "key_identifier", "key": PEM, "is_current" }] }`); the identifier is looked up among all of
 * them, not only the current one, since alerts signed just before a key rotation still arrive.
 *
 * Nothing is read from the alert before its signature holds: a bad alert changes nothing. Each
 * reported token that is a registry secret is revoked (audit actor `secret-scanning`) and
 * answered `true_positive`; anything else `false_positive`. The answer is the provider's
 * expected array of `{ token_hash, token_type, label }`, `token_hash` being SHA-256 hex of the
 * token, so the answer never repeats a secret.
 *
 * @module
 */
import { SignetError, fromBase64, fromUtf8, toHex, utf8 } from '@signet/core'
import { isSecret } from './formats.ts'
import type { Registry } from './registry.ts'

/** One answer entry, as the provider expects it. */
export interface SecretScanningResult {
  readonly token_hash: string
  readonly token_type: string
  readonly label: 'true_positive' | 'false_positive'
}

/** Options of {@link secretScanningHandler}. */
export interface SecretScanningOptions {
  /** Largest alert body accepted, bytes (default 1 MiB). */
  readonly maxBodyBytes?: number
  /** Audit actor of the revocations (default `secret-scanning`). */
  readonly actor?: string
}

interface ProviderKey {
  readonly id: string
  readonly key: Promise<CryptoKey | undefined>
}

const MAX_ENTRIES = 1000

function pemToDer(pem: string): Uint8Array | undefined {
  const m = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/.exec(pem)
  if (m === null) return undefined
  try {
    return fromBase64((m[1] as string).replace(/\s+/g, ''))
  } catch {
    return undefined
  }
}

/** The provider's keys from its `public_keys` JSON (an object or its text). @throws {TypeError} */
function providerKeys(keys: unknown): ProviderKey[] {
  const value = typeof keys === 'string' ? JSON.parse(keys) as unknown : keys
  const list = (value as { public_keys?: unknown } | null)?.public_keys
  if (!Array.isArray(list) || list.length === 0) throw new TypeError('"keys" expected GitHub\'s public_keys JSON: { "public_keys": [{ "key_identifier", "key" }] }')
  return list.map((entry, i) => {
    const e = entry as { key_identifier?: unknown; key?: unknown }
    const der = typeof e.key === 'string' ? pemToDer(e.key) : undefined
    if (typeof e.key_identifier !== 'string' || der === undefined) throw new TypeError(`"keys.public_keys[${i}]" expected a key_identifier and a PEM public key`)
    const key = crypto.subtle.importKey('spki', der as Uint8Array<ArrayBuffer>, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']).catch(() => undefined)
    return { id: e.key_identifier, key }
  })
}

/** An ECDSA signature in DER (SEQUENCE of two INTEGERs) as the 64-byte r || s WebCrypto verifies. */
function derToRaw(der: Uint8Array): Uint8Array | undefined {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) return undefined
  const out = new Uint8Array(64)
  let at = 2
  for (let part = 0; part < 2; part++) {
    if (der[at] !== 0x02) return undefined
    const len = der[at + 1] as number
    let start = at + 2
    let n = len
    if (len < 1 || start + len > der.length) return undefined
    while (n > 32 && der[start] === 0) {
      start++
      n--
    }
    if (n > 32) return undefined
    out.set(der.subarray(start, start + n), part * 32 + 32 - n)
    at += 2 + len
  }
  return at === der.length ? out : undefined
}

async function sha256Hex(text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text) as Uint8Array<ArrayBuffer>)))
}

function answer(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } })
}

function refusal(status: number, code: string, detail: string): Response {
  return new Response(JSON.stringify({ type: 'about:blank', status, code, detail }), {
    status, headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
  })
}

/**
 * A fetch-style handler for secret-scanning alerts (mount it at
 * `POST /.well-known/signet/secret-scanning`).
 *
 * @param registry - the registry whose secrets to revoke
 * @param keys - the provider's signing keys, in GitHub's `public_keys` JSON layout (object or text)
 * @param options - body limit, audit actor
 * @returns `(request) => Promise<Response>`: 200 with the results; 401 for a missing or bad
 *   signature or an unknown key identifier; 400 for a body that is not an alert; 405, 413
 * @throws {TypeError} at creation, for keys not in the `public_keys` layout
 * @example
 * ```ts
 * const onAlert = secretScanningHandler(registry, await readFile('github-keys.json', 'utf8'))
 * // Bun.serve({ fetch: (req) => new URL(req.url).pathname === '/.well-known/signet/secret-scanning' ? onAlert(req) : app(req) })
 * ```
 */
export function secretScanningHandler(registry: Registry, keys: unknown, options: SecretScanningOptions = {}): (request: Request) => Promise<Response> {
  const known = providerKeys(keys)
  const maxBytes = options.maxBodyBytes ?? 1 << 20
  const actor = options.actor ?? 'secret-scanning'
  return async (request) => {
    if (request.method !== 'POST') return refusal(405, 'ERR_USAGE', 'alerts are POSTed')
    const id = request.headers.get('github-public-key-identifier')
    const signature = request.headers.get('github-public-key-signature')
    if (id === null || signature === null) return refusal(401, 'ERR_SIGNATURE_MISSING', 'the alert carries no GITHUB-PUBLIC-KEY-IDENTIFIER / GITHUB-PUBLIC-KEY-SIGNATURE')
    const body = new Uint8Array(await request.arrayBuffer())
    if (body.length > maxBytes) return refusal(413, 'ERR_BODY_TOO_LARGE', `the alert exceeds ${maxBytes} bytes`)
    const entry = known.find((k) => k.id === id)
    const key = entry === undefined ? undefined : await entry.key
    if (key === undefined) return refusal(401, 'ERR_KEY_NOT_FOUND', 'the alert is signed with a key that is not in the provider\'s list')
    let der: Uint8Array | undefined
    try {
      der = fromBase64(signature.trim())
    } catch {
      der = undefined
    }
    const raw = der === undefined ? undefined : derToRaw(der)
    const valid = raw !== undefined &&
      (await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, raw as Uint8Array<ArrayBuffer>, body as Uint8Array<ArrayBuffer>).catch(() => false))
    if (!valid) return refusal(401, 'ERR_SIGNATURE_INVALID', 'the alert\'s signature does not verify')
    let alert: unknown
    try {
      alert = JSON.parse(fromUtf8(body))
    } catch {
      alert = undefined
    }
    if (!Array.isArray(alert) || alert.length > MAX_ENTRIES || !alert.every((a) => typeof a === 'object' && a !== null && typeof (a as { token?: unknown }).token === 'string')) {
      return refusal(400, 'ERR_MALFORMED_MESSAGE', `the alert must be a JSON array of at most ${MAX_ENTRIES} { token, type, url, source } objects`)
    }
    const results: SecretScanningResult[] = []
    try {
      for (const item of alert as { token: string; type?: unknown }[]) {
        const keyid = isSecret(item.token) ? await registry.keyOfSecret(item.token) : undefined
        if (keyid !== undefined) await registry.revoke(keyid, { actor })
        results.push({
          token_hash: await sha256Hex(item.token),
          token_type: typeof item.type === 'string' ? item.type : '',
          label: keyid === undefined ? 'false_positive' : 'true_positive',
        })
      }
    } catch (error) {
      const code = error instanceof SignetError ? error.code : 'ERR_STORE_UNAVAILABLE'
      return refusal(503, code, 'the registry could not be read or written; the provider will retry')
    }
    return answer(200, results)
  }
}
