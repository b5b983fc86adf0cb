/**
 * `signet sign|verify --profile NAME` for the schemes of `@signet/profiles` (CLI.md "Profiles").
 *
 * KEY is a JSON file of the profile's own shape (cavage: a key as under "Keys"); `--key` may be
 * repeated on verify (rotation: any key that verifies is enough). `sign` keeps the message byte
 * for byte and only appends the profile's fields; Binance instead appends its parameters to the
 * query (rewriting only the request target) or to a form body (then `Content-Length`, when
 * present, is updated so the message stays well-formed). `--timestamp` is unix seconds for every
 * profile. A verification that fails, a stale timestamp included, exits 1.
 *
 * @module
 */
import { SignetError, fromUtf8, hasErrorCode, isSignetError, utf8 } from '@signet/core'
import type { HttpRequestMessage, SignetKey } from '@signet/core'
import * as profiles from '@signet/profiles'
import type { ProfileIdentity, ProfileSigner, ProfileVerifier } from '@signet/profiles'
import { getAll, getString, has, parseSeconds, resolveBackend, usage } from './args.ts'
import type { OptionSpec, OptionSpecs, ParsedArgs } from './args.ts'
import { printJson, readInput, verificationFailure, writeBytes } from './io.ts'
import type { CliIO } from './io.ts'
import { loadKeyFile } from './key-file.ts'
import { headerLayout, readCommandMessage, spliceFieldLines } from './message-file.ts'

/** Profile names `--profile` accepts; the first two are RFC 9421 and stay with sign/verify. */
export const PROFILE_NAMES = ['rfc9421', 'web-bot-auth', 'standard-webhooks', 'stripe', 'github', 'binance', 'sigv4', 'cavage'] as const

/** Options `sign` adds for profiles. */
export const profileSignOptionSpecs: OptionSpecs = {
  profile: {
    type: 'string',
    valueName: 'NAME',
    description: 'the signing scheme: rfc9421, web-bot-auth, standard-webhooks, stripe, github, binance, sigv4 or cavage (the last six take a JSON key file)',
    default: 'rfc9421',
  },
  id: { type: 'string', valueName: 'ID', description: 'standard-webhooks: the webhook id', default: 'a random id' },
  timestamp: { type: 'string', valueName: 'UNIX', description: 'standard-webhooks, stripe, binance, sigv4: the signing time in unix seconds', default: 'now' },
  'recv-window': { type: 'string', valueName: 'MS', description: 'binance: the recvWindow parameter added to the query or form body', default: 'none' },
  'unsigned-payload': { type: 'boolean', description: 'sigv4: sign UNSIGNED-PAYLOAD instead of the body hash' },
  headers: {
    type: 'string',
    valueName: '"H1 H2 ..."',
    description: 'cavage: the signed headers',
    default: '"(request-target) host date" plus "digest" with a body',
  },
}

/** Options `verify` adds for profiles. */
export const profileVerifyOptionSpecs: OptionSpecs = {
  profile: profileSignOptionSpecs['profile'] as OptionSpec,
  tolerance: {
    type: 'string',
    valueName: 'S',
    description: 'profiles with a timestamp: how far it may be from now, in the past and the future',
    default: '300',
  },
}

/** A `--profile` value handled here (not RFC 9421). */
export type Other = Exclude<(typeof PROFILE_NAMES)[number], 'rfc9421' | 'web-bot-auth'>

/**
 * The `--profile` value when it names one of the other schemes, else undefined (RFC 9421).
 *
 * @throws {SignetError} `ERR_USAGE` for an unknown profile, or several `--key` on RFC 9421.
 */
export function otherProfile(args: ParsedArgs, command: string): Other | undefined {
  const name = getString(args, 'profile') ?? 'rfc9421'
  if (!(PROFILE_NAMES as readonly string[]).includes(name)) throw usage(command, `--profile must be one of ${PROFILE_NAMES.join(', ')}`)
  if (name === 'rfc9421' || name === 'web-bot-auth') {
    if (getAll(args, 'key').length > 1) throw usage(command, '--key may be repeated only with a --profile that takes several keys')
    return undefined
  }
  return name as Other
}

/** A profile key file: a JSON object. */
async function readJsonKey(io: CliIO, file: string): Promise<Record<string, unknown>> {
  const text = fromUtf8(await readInput(io, file, 'key'))
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new SignetError('ERR_KEY_INVALID', `${JSON.stringify(file)} is not a JSON key file`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SignetError('ERR_KEY_INVALID', `${JSON.stringify(file)} must hold a JSON object`)
  return value as Record<string, unknown>
}

function member(key: Record<string, unknown>, name: string, file: string): string {
  const v = key[name]
  if (typeof v !== 'string' || v === '') throw new SignetError('ERR_KEY_INVALID', `${JSON.stringify(file)}: "${name}" must be a non-empty string`)
  return v
}

const optionalMember = (key: Record<string, unknown>, name: string, file: string): string | undefined => (key[name] === undefined ? undefined : member(key, name, file))

/** A cavage key from a JWK or PEM file; an RSA key without `alg` is PKCS#1 v1.5 (rsa-sha256). */
async function cavageKey(io: CliIO, file: string, alg: string | undefined, need: 'private' | 'any'): Promise<{ key: SignetKey; keyId: string }> {
  let loaded
  try {
    loaded = await loadKeyFile(io, file, { alg, need })
  } catch (err) {
    if (alg !== undefined || !hasErrorCode(err, 'ERR_KEY_UNSUPPORTED')) throw err
    loaded = await loadKeyFile(io, file, { alg: 'rsa-v1_5-sha256', need })
  }
  return { key: loaded.key, keyId: loaded.declaredKid ?? (loaded.key.kid as string) }
}

function timestampOf(args: ParsedArgs, command: string): number | undefined {
  const text = getString(args, 'timestamp')
  return text === undefined ? undefined : parseSeconds(text, 'timestamp', command)
}

/**
 * The signer for `--profile NAME` from the command's options and KEY file. `fetch` (issue 13)
 * signs its request with `(await profileSigner(...)).sign(request)`.
 *
 * @throws {SignetError} `ERR_USAGE` for bad option values, key errors for a bad KEY file (exit 2)
 */
export async function profileSigner(io: CliIO, args: ParsedArgs, profile: Other, file: string): Promise<ProfileSigner> {
  const backend = await resolveBackend(getString(args, 'backend'), 'sign')
  const b = backend === undefined ? {} : { backend }
  const timestamp = timestampOf(args, 'sign')
  const t = timestamp === undefined ? {} : { timestamp }
  if (profile === 'cavage') {
    const { key, keyId } = await cavageKey(io, file, getString(args, 'alg'), 'private')
    const headers = getString(args, 'headers')
    return profiles.createCavageSigner({
      keyId: getString(args, 'keyid') ?? keyId,
      key,
      ...b,
      ...(headers === undefined ? {} : { headers }),
      ...(timestamp === undefined ? {} : { clock: () => timestamp * 1000 }),
    })
  }
  const json = await readJsonKey(io, file)
  switch (profile) {
    case 'standard-webhooks': {
      const id = getString(args, 'id')
      const key = member(json, 'secret', file)
      return profiles.createStandardWebhooksSigner({ key: await profiles.parseStandardWebhookKey(key), ...b, ...t, ...(id === undefined ? {} : { id }) })
    }
    case 'stripe':
      return profiles.createStripeSigner({ secret: member(json, 'secret', file), ...b, ...t })
    case 'github':
      return profiles.createGitHubSigner({ secret: member(json, 'secret', file), ...b })
    case 'binance': {
      const rw = getString(args, 'recv-window')
      const recvWindow = rw === undefined ? undefined : Number(rw)
      if (rw !== undefined && !(/^\d{1,5}$/.test(rw) && (recvWindow as number) > 0 && (recvWindow as number) <= 60000)) throw usage('sign', '--recv-window must be 1 to 60000 milliseconds')
      const secret = optionalMember(json, 'secret', file)
      const privateKey = optionalMember(json, 'privateKey', file)
      if ((secret === undefined) === (privateKey === undefined)) throw new SignetError('ERR_KEY_INVALID', `${JSON.stringify(file)}: give "secret" (HMAC) or "privateKey" (RSA or Ed25519 PEM)`)
      return profiles.createBinanceSigner({
        apiKey: member(json, 'apiKey', file),
        ...(secret === undefined ? { privateKey: privateKey as string } : { secret }),
        ...b,
        ...(recvWindow === undefined ? {} : { recvWindow }),
        ...(timestamp === undefined ? {} : { timestamp: timestamp * 1000 }),
      })
    }
    case 'sigv4': {
      const sessionToken = optionalMember(json, 'sessionToken', file)
      return profiles.createSigV4Signer({
        accessKeyId: member(json, 'accessKeyId', file),
        secretAccessKey: member(json, 'secretAccessKey', file),
        region: member(json, 'region', file),
        service: member(json, 'service', file),
        ...(sessionToken === undefined ? {} : { sessionToken }),
        // CLI.md: X-Amz-Content-Sha256 only when asked (--unsigned-payload), S3 included.
        unsignedPayload: has(args, 'unsigned-payload'),
        contentSha256: has(args, 'unsigned-payload'),
        ...b,
        ...t,
      })
    }
  }
}

/** Replace the request target in the start line (`METHOD SP target SP version`), keeping every other byte. */
function withTarget(bytes: Uint8Array, target: string): Uint8Array {
  let pos = 0
  while (bytes[pos] === 0x0d || bytes[pos] === 0x0a) pos++
  const first = bytes.indexOf(0x20, pos)
  const second = first === -1 ? -1 : bytes.indexOf(0x20, first + 1)
  if (second === -1) throw new SignetError('ERR_MALFORMED_MESSAGE', 'the request line has no target')
  const t = utf8(target)
  const out = new Uint8Array(bytes.length - (second - first - 1) + t.length)
  out.set(bytes.subarray(0, first + 1))
  out.set(t, first + 1)
  out.set(bytes.subarray(second), first + 1 + t.length)
  return out
}

/** Replace the body, updating a `Content-Length` field so the message stays well-formed. */
function withBody(bytes: Uint8Array, body: Uint8Array): Uint8Array {
  const layout = headerLayout(bytes)
  if (layout.fields.some((f) => f.name === 'transfer-encoding')) throw new SignetError('ERR_MALFORMED_MESSAGE', 'a chunked form body cannot be signed in place; send it with Content-Length')
  const eolBytes = layout.eol.length
  const headEnd = Math.min(bytes.length, layout.insertAt + eolBytes)
  let head = bytes.subarray(0, headEnd)
  if (layout.fields.some((f) => f.name === 'content-length')) {
    const text = fromUtf8(head).replace(/^(content-length[ \t]*:[ \t]*)\d+/im, `$1${body.length}`)
    head = utf8(text)
  }
  const out = new Uint8Array(head.length + body.length)
  out.set(head)
  out.set(body, head.length)
  return out
}

/**
 * `signet sign --profile NAME`.
 *
 * @returns 0; failures are thrown (exit 2)
 */
export async function signProfile(io: CliIO, args: ParsedArgs, profile: Other): Promise<number> {
  const keyFiles = getAll(args, 'key')
  if (keyFiles.length !== 1) throw usage('sign', '--key KEY is required (once)')
  const s = await profileSigner(io, args, profile, keyFiles[0] as string)
  const scheme = getString(args, 'scheme') ?? 'https'
  const input = await readCommandMessage(io, args, scheme, 'sign')
  if (input.message.kind !== 'request') throw usage('sign', `--profile ${profile} signs requests only`)
  const signature = await s.signMessage(input.message)
  let bytes = input.bytes
  if (signature.target !== undefined) bytes = withTarget(bytes, signature.target)
  if (signature.body !== undefined) bytes = withBody(bytes, signature.body)
  writeBytes(io, spliceFieldLines(bytes, { append: signature.fields }))
  return 0
}

async function verifierFor(io: CliIO, args: ParsedArgs, profile: Other, files: readonly string[]): Promise<ProfileVerifier> {
  const tolerance = getString(args, 'tolerance')
  const toleranceSeconds = tolerance === undefined ? 300 : parseSeconds(tolerance, 'tolerance', 'verify')
  const nowText = getString(args, 'now')
  const now = nowText === undefined ? undefined : parseSeconds(nowText, 'now', 'verify')
  const backend = await resolveBackend(getString(args, 'backend'), 'verify')
  const policy = { toleranceSeconds, ...(now === undefined ? {} : { now: () => now }), ...(backend === undefined ? {} : { backend }) }
  if (profile === 'cavage') {
    const keys = []
    for (const f of files) {
      const { key, keyId } = await cavageKey(io, f, getString(args, 'alg'), 'any')
      keys.push({ keyId, key })
    }
    return profiles.createCavageVerifier({ keys, ...policy })
  }
  const jsons = await Promise.all(files.map((f) => readJsonKey(io, f)))
  switch (profile) {
    case 'standard-webhooks': {
      const keys = await Promise.all(jsons.map((j, i) => profiles.parseStandardWebhookKey(j.publicKey === undefined ? member(j, 'secret', files[i] as string) : member(j, 'publicKey', files[i] as string))))
      return profiles.createStandardWebhooksVerifier({ keys, ...policy })
    }
    case 'stripe':
      return profiles.createStripeVerifier({ secrets: jsons.map((j, i) => member(j, 'secret', files[i] as string)), ...policy })
    case 'github':
      return profiles.createGitHubVerifier({ secrets: jsons.map((j, i) => member(j, 'secret', files[i] as string)), ...policy })
    case 'binance':
      return profiles.createBinanceVerifier({
        keys: jsons.map((j, i) => {
          const file = files[i] as string
          const secret = optionalMember(j, 'secret', file)
          const pem = optionalMember(j, 'publicKey', file) ?? optionalMember(j, 'privateKey', file)
          if (secret === undefined && pem === undefined) throw new SignetError('ERR_KEY_INVALID', `${JSON.stringify(file)}: give "secret", "publicKey" or "privateKey"`)
          return { apiKey: member(j, 'apiKey', file), ...(secret === undefined ? { publicKey: pem as string } : { secret }) }
        }),
        ...policy,
      })
    case 'sigv4':
      return profiles.createSigV4Verifier({
        credentials: jsons.map((j, i) => ({ accessKeyId: member(j, 'accessKeyId', files[i] as string), secretAccessKey: member(j, 'secretAccessKey', files[i] as string) })),
        ...(typeof jsons[0]?.region === 'string' ? { region: jsons[0].region } : {}),
        ...(typeof jsons[0]?.service === 'string' ? { service: jsons[0].service } : {}),
        ...policy,
      })
  }
}

/**
 * `signet verify --profile NAME`: prints one JSON line `{ profile, keyid, alg, params }`.
 *
 * @returns 0 when the signature verified; a failure is thrown (exit 1)
 */
export async function verifyProfile(io: CliIO, args: ParsedArgs, profile: Other): Promise<number> {
  const files = getAll(args, 'key')
  if (files.length === 0) throw usage('verify', `--key KEY is required with --profile ${profile} (repeat it for several keys)`)
  if (has(args, 'jwks')) throw usage('verify', `--jwks does not apply to --profile ${profile}`)
  const verifier = await verifierFor(io, args, profile, files)
  const scheme = getString(args, 'scheme') ?? 'https'
  const { message } = await readCommandMessage(io, args, scheme, 'verify')
  if (message.kind !== 'request') throw usage('verify', `--profile ${profile} verifies requests only`)
  let identity: ProfileIdentity
  try {
    identity = await verifier.verify(message as HttpRequestMessage)
  } catch (err) {
    // Key problems found while preparing keys are input errors; anything about the message is a failed verification.
    if (isSignetError(err) && ['ERR_KEY_INVALID', 'ERR_KEY_UNSUPPORTED', 'ERR_KEY_TOO_SHORT', 'ERR_BACKEND_UNAVAILABLE'].includes(err.code)) throw err
    throw verificationFailure(err)
  }
  printJson(io, { profile: identity.profile, keyid: identity.keyid ?? null, alg: identity.alg, params: identity.params })
  return 0
}
