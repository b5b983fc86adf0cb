/**
 * Loading the keys named on the command line: a JWK file, a JWKS file, or a PEM file.
 *
 * CLI.md "Keys": KEY is a JWK or PEM file (SPKI, PKCS#8, PKCS#1 RSA, SEC1 EC, PKCS#8 with the
 * RSASSA-PSS OID); a JWKS file is `{ "keys": [...] }`, each key with its `kid`, and may carry
 * `owner` and `scopes` into the verified identity. The algorithm comes from the key when its
 * type allows only one, from a JWK `alg`, or from a PSS PEM; otherwise `--alg` must name it.
 * The parsing itself is @signet/core's `importKey`; this module only tells the formats apart
 * and turns every failure into an exit-2 error (an unusable key is an input problem, not a
 * failed verification).
 *
 * @module
 */
import { SignetError, exportJwk, getAlgorithm, importKey, isSignetError, publicKey, thumbprint, toBase64Url, utf8 } from '@signet/core'
import { parseAlgorithm } from './args.ts'
import { KEY_ID_PREFIX, SECRET_PREFIX, assertKeyId, secretFromJwk } from '@signet/registry'
import type { AlgorithmName, SignetKey } from '@signet/core'
import { readInput } from './io.ts'
import type { CliIO } from './io.ts'

/** Options for {@link loadKey} and {@link loadJwks}. */
export interface LoadKeyOptions {
  /** The `--alg` value: the RFC 9421 algorithm for a key whose type does not imply one. */
  readonly alg?: string | undefined
  /** In a JWKS given as KEY, pick the key with this `kid` (for `--keyid`). */
  readonly kid?: string | undefined
  /** What the key is for: `private` refuses a public key (signing needs the private half). */
  readonly need?: 'private' | 'any'
}

/** One key of a JWKS file with the identity members CLI.md carries over. */
export interface JwksEntry {
  /** The key's `kid`. */
  readonly id: string
  readonly key: SignetKey
  readonly owner?: string | undefined
  readonly scopes?: readonly string[] | undefined
}

/** A key loaded from KEY, with the `kid` its file declared. */
export interface LoadedKey {
  readonly key: SignetKey
  /**
   * The `kid` member of the JWK, or undefined for a JWK without one and for a PEM file. The
   * key itself always has a kid (core defaults it to the RFC 7638 thumbprint), but CLI.md's
   * `--key` keyid check applies only to a kid the file declared ("`kid` absent: no check").
   */
  readonly declaredKid: string | undefined
}

/**
 * Load KEY: a JWK, a JWKS holding one key (or the key whose `kid` is `options.kid`), or a PEM.
 *
 * @param io - the command's surroundings (files are read relative to `io.cwd`)
 * @param file - the file name as given
 * @param options - `--alg`, the `kid` to pick from a JWKS, and whether a private key is needed
 * @returns the imported key
 * @throws {SignetError} `ERR_IO` when unreadable; `ERR_KEY_INVALID`, `ERR_KEY_UNSUPPORTED`,
 *   `ERR_ALG_UNSUPPORTED`, ... when the key cannot be used (all exit 2)
 * @example const key = await loadKey(io, 'key.jwk', { need: 'private' })
 */
export async function loadKey(io: CliIO, file: string, options: LoadKeyOptions = {}): Promise<SignetKey> {
  return (await loadKeyFile(io, file, options)).key
}

/**
 * {@link loadKey}, also telling whether the file declared a `kid`.
 *
 * @param io - the command's surroundings
 * @param file - the file name as given
 * @param options - as for {@link loadKey}
 * @returns the key and the declared kid
 * @throws {SignetError} as {@link loadKey}
 */
export async function loadKeyFile(io: CliIO, file: string, options: LoadKeyOptions = {}): Promise<LoadedKey> {
  const alg = checkAlg(options.alg)
  const content = await readKeyText(io, file)
  let key: SignetKey
  let declaredKid: string | undefined
  if (isJsonText(content)) {
    const parsed = parseJson(content, file)
    let chosen: unknown = parsed
    if (isJwks(parsed)) {
      const keys = parsed.keys
      if (options.kid !== undefined) {
        chosen = keys.find((k) => isObject(k) && k.kid === options.kid)
        if (chosen === undefined) {
          throw new SignetError('ERR_KEY_NOT_FOUND', `no key with kid ${JSON.stringify(options.kid)} in ${JSON.stringify(file)}`)
        }
      } else if (keys.length === 1) {
        chosen = keys[0]
      } else {
        throw new SignetError(
          'ERR_USAGE',
          `${JSON.stringify(file)} holds ${keys.length} keys: name one with --keyid, or use a JWK file`,
        )
      }
    }
    key = await importJwk(chosen, alg, file)
    const kid = isObject(chosen) ? chosen.kid : undefined
    declaredKid = typeof kid === 'string' ? kid : undefined
  } else if (content.includes('-----BEGIN ')) {
    key = await guardImport(() => importKey(content, alg === undefined ? {} : { alg }), file)
  } else {
    throw new SignetError('ERR_KEY_INVALID', `${JSON.stringify(file)} is neither a JWK nor a PEM file`)
  }
  if (options.need === 'private' && key.type === 'public') {
    throw new SignetError('ERR_KEY_UNSUPPORTED', `${JSON.stringify(file)} is a public key; signing needs the private key`)
  }
  return { key, declaredKid }
}

/**
 * Load a JWKS file (`{ "keys": [...] }`) into a map from `kid` to key and identity.
 *
 * @param io - the command's surroundings
 * @param file - the file name as given
 * @param options - `--alg` for keys that need it (keys of that type without a JWK `alg`)
 * @returns the keys by `kid`, in file order
 * @throws {SignetError} `ERR_IO` when unreadable; `ERR_KEY_INVALID` for a file that is not a
 *   JWKS, a key without `kid`, a repeated `kid`, or malformed `owner`/`scopes`; the import
 *   errors of {@link loadKey}
 * @example const keys = await loadJwks(io, 'keys.json'); keys.get('test-key-ed25519')
 */
export async function loadJwks(
  io: CliIO,
  file: string,
  options: Pick<LoadKeyOptions, 'alg'> = {},
): Promise<Map<string, JwksEntry>> {
  const alg = checkAlg(options.alg)
  const content = await readKeyText(io, file)
  const parsed = isJsonText(content) ? parseJson(content, file) : undefined
  if (!isJwks(parsed)) throw new SignetError('ERR_KEY_INVALID', `${JSON.stringify(file)} is not a JWKS file ({ "keys": [...] })`)
  const entries = new Map<string, JwksEntry>()
  for (const [index, jwk] of parsed.keys.entries()) {
    const where = `${JSON.stringify(file)} keys[${index}]`
    if (!isObject(jwk) || typeof jwk.kid !== 'string' || jwk.kid === '') {
      throw new SignetError('ERR_KEY_INVALID', `${where} has no "kid"`)
    }
    const id = jwk.kid
    if (entries.has(id)) throw new SignetError('ERR_KEY_INVALID', `${where}: kid ${JSON.stringify(id)} appears twice`)
    const owner = jwk.owner
    if (owner !== undefined && typeof owner !== 'string') throw new SignetError('ERR_KEY_INVALID', `${where}: "owner" must be a string`)
    const scopes = jwk.scopes
    if (scopes !== undefined && !(Array.isArray(scopes) && scopes.every((s) => typeof s === 'string'))) {
      throw new SignetError('ERR_KEY_INVALID', `${where}: "scopes" must be an array of strings`)
    }
    // --alg completes the keys that need it (an RSA JWK without "alg"); a JWKS may mix key
    // types, and forcing the algorithm on an Ed25519 or EC key would only make it unusable.
    const completes = alg !== undefined && jwk.alg === undefined && jwk.kty === getAlgorithm(alg).kty
    const key = await importJwk(jwk, completes ? alg : undefined, where)
    entries.set(id, { id, key, owner, scopes: scopes === undefined ? undefined : [...(scopes as string[])] })
  }
  return entries
}

function checkAlg(alg: string | undefined): AlgorithmName | undefined {
  // An RFC 9421 name or its JOSE alias; anything else is ERR_ALG_UNSUPPORTED listing both.
  return alg === undefined ? undefined : parseAlgorithm(alg, 'alg')
}

/**
 * The `keyid` a signature made with KEY carries (CLI.md "Keys and key ids"): `--keyid` when
 * given, else the `kid` the file declared, else, for a public-key algorithm, the RFC 7638
 * thumbprint, the same `kid` that `signet pubkey` prints for that PEM or JWK. A shared secret
 * without a declared `kid` gets none: its thumbprint is a hash of the secret, which has no
 * business in a header.
 *
 * @param loaded - the key and the kid its file declared
 * @param keyidOption - the `--keyid` value, if given
 * @returns the keyid, or null for none
 * @example signingKeyId(await loadKeyFile(io, 'ed.pem'), undefined) // the PEM's thumbprint
 */
export async function signingKeyId(loaded: LoadedKey, keyidOption: string | undefined): Promise<string | null> {
  if (keyidOption !== undefined) return keyidOption
  if (loaded.declaredKid !== undefined) return loaded.declaredKid
  if (loaded.key.algorithm.symmetric) return null
  const pub = loaded.key.type === 'public' ? loaded.key : publicKey(loaded.key)
  return thumbprint(await exportJwk(pub, { private: false }))
}

async function readKeyText(io: CliIO, file: string): Promise<string> {
  const bytes = await readInput(io, file, 'key')
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new SignetError('ERR_KEY_INVALID', `${JSON.stringify(file)} is not text (JWK or PEM expected)`)
  }
  return text.replace(/^\uFEFF/, '').trim()
}

function isJsonText(text: string): boolean {
  return text.startsWith('{')
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new SignetError('ERR_KEY_INVALID', `${JSON.stringify(file)} is not valid JSON`)
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isJwks(value: unknown): value is { keys: unknown[] } {
  return isObject(value) && Array.isArray(value.keys)
}

async function importJwk(jwk: unknown, alg: AlgorithmName | undefined, where: string): Promise<SignetKey> {
  if (!isObject(jwk)) throw new SignetError('ERR_KEY_INVALID', `${where} is not a JWK object`)
  checkRegistryFormats(jwk)
  // owner and scopes are Signet's JWKS extensions, not JWK members: keep them away from import.
  const { owner: _owner, scopes: _scopes, ...members } = jwk
  return guardImport(() => importKey(members as JsonWebKey, alg === undefined ? {} : { alg }), where)
}

/**
 * A JWK printed by `signet keys create` carries a registry key id (`sgn_id_...`) and, for HMAC,
 * a registry secret (`sgn_sk_...`, as the UTF-8 bytes of `k`). Both end in a checksum: a typo in
 * either is refused here, before anything is signed, rather than by the server after a lookup.
 */
function checkRegistryFormats(jwk: Record<string, unknown>): void {
  if (typeof jwk['kid'] === 'string' && jwk['kid'].startsWith(KEY_ID_PREFIX)) assertKeyId(jwk['kid'])
  if (jwk['kty'] === 'oct' && typeof jwk['k'] === 'string' && jwk['k'].startsWith(SECRET_PREFIX_B64)) secretFromJwk(jwk)
}

// `sgn_sk_` is 7 bytes (56 bits): the first 9 base64url characters of `k` (54 bits) are decided
// by the prefix alone; the 10th already mixes in the secret's next byte.
const SECRET_PREFIX_B64 = toBase64Url(utf8(SECRET_PREFIX)).slice(0, 9)

async function guardImport(run: () => Promise<SignetKey>, where: string): Promise<SignetKey> {
  try {
    return await run()
  } catch (error) {
    if (isSignetError(error)) throw error
    // importKey reports misuse as TypeError/RangeError; from a file it is simply a bad key.
    const reason = error instanceof Error ? error.message : String(error)
    throw new SignetError('ERR_KEY_INVALID', `${where}: ${reason}`, { cause: error })
  }
}
