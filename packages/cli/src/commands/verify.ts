/**
 * `signet verify`: verify the signatures on a raw HTTP/1.1 message (CLI.md "Commands").
 *
 * Without `--label` or `--tag` every signature on the message must verify. No components are
 * required unless `--require` names them; `created` is held to `--max-age` only when given;
 * `expires` is always enforced against `--now` (default: the clock). When `content-digest` is
 * covered, the digest is recomputed over the body (an absent body is the empty one: a stripped
 * body fails) and must match (RFC 9530
 * section 2; RFC 9421 section 7.2.8). With `--key`, a `keyid` that differs from the key's
 * `kid` fails; with `--jwks`, `keyid` selects the key.
 *
 * Success prints one JSON line per verified signature:
 * `{ "label", "keyid", "alg", "components", "params" }`. A failed verification (including a
 * missing or malformed `Signature-Input`/`Signature`) exits 1; a bad option, file, message or
 * key exits 2.
 *
 * @module
 */
import { SignetError, componentValue, isSignetError, parseComponentIdentifier, serializeComponentIdentifier, verifyMessage } from '@signet/core'
import type { HttpMessage, HttpRequestMessage, SignetKey, VerifyOptions } from '@signet/core'
import {
  ALGORITHM_HELP,
  getString,
  messageOptionSpecs,
  parseAlgorithm,
  parseArgs,
  parseMessageOptions,
  parseSeconds,
  resolveBackend,
  signatureOptionSpecs,
  splitComponents,
  usage,
} from '../args.ts'
import type { CommandUsage, OptionSpec, OptionSpecs } from '../args.ts'
import { printJson, verificationFailure } from '../io.ts'
import type { CliIO, Command } from '../io.ts'
import { loadJwks, loadKeyFile } from '../key-file.ts'
import type { LoadedKey } from '../key-file.ts'
import { readCommandMessage } from '../message-file.ts'
import { otherProfile, profileVerifyOptionSpecs, verifyProfile } from '../profiles.ts'

const options: OptionSpecs = {
  // Repeatable for the profiles' sake (rotation); RFC 9421 verification refuses a second one.
  key: {
    type: 'string',
    multiple: true,
    valueName: 'KEY',
    description: 'the key: a JWK, a JWKS holding one key, or a PEM file (public or private); with a --profile other than rfc9421, repeatable (any that verifies is enough)',
  },
  jwks: { type: 'string', valueName: 'FILE', description: "a JWKS file; each signature's keyid selects the key" },
  alg: {
    type: 'string',
    valueName: 'ALG',
    description: 'the one algorithm accepted, an RFC 9421 or JOSE name; also completes a key that implies none',
    default: "the key's own",
  },
  label: { type: 'string', valueName: 'L', description: 'verify only the signature with this label', default: 'every signature' },
  tag: { type: 'string', valueName: 'T', description: 'verify only the signatures with this tag', default: 'every signature' },
  now: { type: 'string', valueName: 'UNIX', description: 'the time expires and --max-age are checked against', default: 'the clock' },
  'max-age': { type: 'string', valueName: 'S', description: 'refuse a signature created more than S seconds ago', default: 'no limit, created not checked' },
  require: { type: 'string', valueName: '"C1 C2 ..."', description: 'components every signature must cover', default: 'none' },
  backend: signatureOptionSpecs['backend'] as OptionSpec,
  ...profileVerifyOptionSpecs,
  ...messageOptionSpecs,
}

const USAGE: CommandUsage = {
  synopsis: 'verify (--key KEY | --jwks FILE) [options] [MESSAGE]',
  summary: `Verify the signatures on a raw HTTP/1.1 message. MESSAGE is a file; "-" or none reads
standard input. Prints one JSON line per verified signature:
{ "label", "keyid", "alg", "components", "params" }.`,
  notes: `With --key, a keyid that differs from the key's kid fails (a key without kid: no check).
When content-digest is covered, the digest is recomputed over the body and must match.
On ERR_SIGNATURE_INVALID the message names the @target-uri and @authority rebuilt here: a
request signed for http://... needs --scheme http.
${ALGORITHM_HELP}
Exit codes: 0 every selected signature verified, 1 verification failed, 2 usage, file,
message or key error.`,
}

type KeySelector = Exclude<VerifyOptions['key'], SignetKey | undefined>

/**
 * Run `signet verify`.
 *
 * @param argv - the arguments after `verify`
 * @param io - the command's surroundings
 * @returns 0 when every selected signature verified; failures are thrown
 * @throws {SignetError} marked as a verification failure (exit 1) when a signature does not
 *   hold; `ERR_USAGE`, `ERR_IO`, `ERR_MALFORMED_MESSAGE` and key errors otherwise (exit 2)
 * @example `signet verify --jwks keys.json --now 1618884473 signed.http`
 */
export const verifyCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  const args = parseArgs(argv, options, { command: 'verify', maxPositionals: 1, usage: USAGE })
  const profile = otherProfile(args, 'verify')
  if (profile !== undefined) return verifyProfile(io, args, profile)
  const keyFile = getString(args, 'key')
  const jwksFile = getString(args, 'jwks')
  if ((keyFile === undefined) === (jwksFile === undefined)) throw usage('verify', 'give exactly one of --key KEY and --jwks FILE')
  const label = getString(args, 'label')
  const tag = getString(args, 'tag')
  if (label !== undefined && tag !== undefined) throw usage('verify', 'give at most one of --label and --tag')
  const backend = await resolveBackend(getString(args, 'backend'), 'verify')
  const { fieldTypes, scheme } = parseMessageOptions(args, 'verify')
  const nowText = getString(args, 'now')
  const now = nowText === undefined ? undefined : parseSeconds(nowText, 'now', 'verify')
  const maxAgeText = getString(args, 'max-age')
  const maxAgeSeconds = maxAgeText === undefined ? undefined : parseSeconds(maxAgeText, 'max-age', 'verify')
  const requireText = getString(args, 'require')
  const requiredComponents = requireText === undefined ? undefined : canonicalComponents(splitComponents(requireText, 'require', 'verify'))
  const alg = getString(args, 'alg')

  const key: KeySelector =
    keyFile !== undefined ? keyMatchingKeyid(await loadKeyFile(io, keyFile, { alg })) : keyFromJwks(await loadJwks(io, jwksFile as string, { alg }))
  const { message } = await readCommandMessage(io, args, scheme, 'verify')

  const verifyOptions: VerifyOptions = {
    key,
    // --alg names the one algorithm accepted (RFC 9421 section 7.3.6: never the signer's pick).
    ...(alg === undefined ? {} : { algorithms: [parseAlgorithm(alg, 'alg', 'verify')] }),
    ...(label === undefined ? {} : { label }),
    ...(tag === undefined ? {} : { tag }),
    ...(requiredComponents === undefined ? {} : { requiredComponents }),
    // CLI.md: `created` is checked against --max-age only when given; without it a signer whose
    // clock runs ahead is not refused. `expires` is always enforced.
    ...(maxAgeSeconds === undefined ? { allowCreatedInFuture: true } : { maxAgeSeconds }),
    ...(now === undefined ? {} : { now: () => now }),
    ...(backend === undefined ? {} : { backend }),
    ...(fieldTypes === undefined ? {} : { fieldTypes }),
  }
  let verified
  try {
    verified = await verifyMessage(message, verifyOptions)
  } catch (error) {
    throw verificationFailure(withRebuiltTarget(error, message))
  }
  for (const signature of verified) {
    printJson(io, {
      label: signature.label,
      keyid: signature.keyid ?? null,
      alg: signature.alg,
      components: signature.components,
      params: signature.params,
    })
  }
  return 0
}

/**
 * An `ERR_SIGNATURE_INVALID` that names the `@target-uri` and `@authority` rebuilt here: the
 * usual cause is a request signed for another scheme or host than the one verify assumed
 * (`--scheme` defaults to `https`), and nothing else in the failure shows it.
 */
function withRebuiltTarget(error: unknown, message: HttpMessage): unknown {
  if (!isSignetError(error) || error.code !== 'ERR_SIGNATURE_INVALID') return error
  const request = message.kind === 'request' ? message : message.request
  if (request === undefined) return error
  const rebuilt = rebuiltTarget(request)
  if (rebuilt === undefined) return error
  return new SignetError(
    'ERR_SIGNATURE_INVALID',
    `${error.message} (rebuilt @target-uri ${JSON.stringify(rebuilt.targetUri)}, @authority ${JSON.stringify(rebuilt.authority)}; a request signed for another scheme or host fails here: see --scheme)`,
    { cause: error },
  )
}

/**
 * The `@target-uri` and `@authority` a verifier rebuilds for a request, or undefined when
 * the request has none (an asterisk-form target).
 *
 * @param request - the request message
 * @returns both values
 */
export function rebuiltTarget(request: HttpRequestMessage): { targetUri: string; authority: string } | undefined {
  try {
    return {
      targetUri: componentValue(request, parseComponentIdentifier('"@target-uri"')),
      authority: componentValue(request, parseComponentIdentifier('"@authority"')),
    }
  } catch {
    return undefined
  }
}

/** `--key`: one key for every signature; a `keyid` naming another key fails. */
function keyMatchingKeyid({ key, declaredKid }: LoadedKey): KeySelector {
  return ({ keyid, label }) => {
    if (keyid !== undefined && declaredKid !== undefined && keyid !== declaredKid) {
      throw new SignetError(
        'ERR_KEY_ID_MISMATCH',
        `signature ${JSON.stringify(label)} names keyid ${JSON.stringify(keyid)}, the key's kid is ${JSON.stringify(declaredKid)}`,
      )
    }
    return key
  }
}

/** `--jwks`: the signature's `keyid` selects the key. */
function keyFromJwks(keys: ReadonlyMap<string, { readonly key: SignetKey }>): KeySelector {
  return ({ keyid, label }) => {
    if (keyid === undefined) {
      throw new SignetError('ERR_KEY_NOT_FOUND', `signature ${JSON.stringify(label)} has no keyid to select a key from the JWKS`)
    }
    const entry = keys.get(keyid)
    if (entry === undefined) throw new SignetError('ERR_KEY_NOT_FOUND', `no key with kid ${JSON.stringify(keyid)} in the JWKS`)
    return entry.key
  }
}

/** `--require` identifiers in the serialized form core compares with; a bad one is a usage error. */
function canonicalComponents(list: readonly string[]): string[] {
  return list.map((text) => {
    try {
      return serializeComponentIdentifier(parseComponentIdentifier(text))
    } catch (error) {
      const reason = isSignetError(error) || error instanceof Error ? error.message : String(error)
      throw usage('verify', `--require: ${JSON.stringify(text)} is not a component identifier (${reason})`)
    }
  })
}
