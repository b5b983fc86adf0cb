/**
 * `signet verify`: verify the signatures on a raw HTTP/1.1 message (CLI.md "Commands").
 *
 * Without `--label` or `--tag` every signature on the message must verify. No components are
 * required unless `--require` names them; `created` is held to `--max-age` only when given;
 * `expires` is always enforced against `--now` (default: the clock). When `content-digest` is
 * covered and the message has a body, the digest is recomputed and must match (RFC 9530
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
import { SignetError, getAlgorithm, isSignetError, parseComponentIdentifier, serializeComponentIdentifier, verifyMessage } from '@signet/core'
import type { SignetKey, VerifyOptions } from '@signet/core'
import {
  getString,
  parseArgs,
  parseMessageOptions,
  parseSeconds,
  resolveBackend,
  signatureOptionSpecs,
  splitComponents,
  usage,
} from '../args.ts'
import type { OptionSpecs } from '../args.ts'
import { printJson, verificationFailure } from '../io.ts'
import type { CliIO, Command } from '../io.ts'
import { loadJwks, loadKeyFile } from '../key-file.ts'
import type { LoadedKey } from '../key-file.ts'
import { readCommandMessage } from '../message-file.ts'
import { otherProfile, profileVerifyOptionSpecs, verifyProfile } from '../profiles.ts'

const options: OptionSpecs = {
  ...signatureOptionSpecs,
  jwks: { type: 'string' },
  now: { type: 'string' },
  'max-age': { type: 'string' },
  require: { type: 'string' },
  ...profileVerifyOptionSpecs,
  // Repeatable for the profiles' sake (rotation); RFC 9421 verification refuses a second one.
  key: { type: 'string', multiple: true },
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
  const args = parseArgs(argv, options, { command: 'verify', maxPositionals: 1 })
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
    ...(alg === undefined ? {} : { algorithms: [getAlgorithm(alg).name] }),
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
    throw verificationFailure(error)
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
