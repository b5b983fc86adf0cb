/**
 * `signet sign`: sign a raw HTTP/1.1 message (CLI.md "Commands").
 *
 * The output is the input message byte for byte with `Content-Digest` (when a digest is added,
 * replacing one already there), `Signature-Input` and `Signature` appended after the existing
 * field lines, in the input's line endings. Defaults follow CLI.md: label `sig1`; components
 * `"@method" "@target-uri"` for a request or `"@status"` for a response, plus `"content-digest"`
 * when a digest is added and `"content-type"` when present; `created` now; a random nonce of
 * 128 bits; a SHA-256 digest when there is a body; `keyid` from the key's `kid`. Parameters
 * given as flags come first in flag order, defaulted ones follow in the order created, expires,
 * nonce, alg, keyid, tag. Every failure here is an input problem (exit 2).
 *
 * @module
 */
import { SignetError, createContentDigest, createNonce, parseSignatureField, parseSignatureInput, signMessage } from '@signet/core'
import type { HttpMessage, SignOptions } from '@signet/core'
import {
  getString,
  has,
  parseArgs,
  parseMessageOptions,
  parseSeconds,
  resolveBackend,
  signatureOptionSpecs,
  splitComponents,
  usage,
} from '../args.ts'
import type { OptionSpecs } from '../args.ts'
import { writeBytes } from '../io.ts'
import type { CliIO, Command } from '../io.ts'
import { loadKeyFile } from '../key-file.ts'
import { fieldValues, parseMessageBytes, readCommandMessage, spliceFieldLines } from '../message-file.ts'
import { otherProfile, profileSignOptionSpecs, signProfile } from '../profiles.ts'

const options: OptionSpecs = {
  ...signatureOptionSpecs,
  keyid: { type: 'string' },
  components: { type: 'string' },
  created: { type: 'string' },
  expires: { type: 'string' },
  nonce: { type: 'string' },
  digest: { type: 'string' },
  ...profileSignOptionSpecs,
  // Repeatable for the profiles' sake; RFC 9421 signing refuses a second one (otherProfile).
  key: { type: 'string', multiple: true },
}

/** Signature parameters in the order defaulted ones take (CLI.md). */
const defaultParamOrder = ['created', 'expires', 'nonce', 'alg', 'keyid', 'tag'] as const

/**
 * Run `signet sign`.
 *
 * @param argv - the arguments after `sign`
 * @param io - the command's surroundings
 * @returns 0; failures are thrown
 * @throws {SignetError} `ERR_USAGE`, `ERR_IO`, `ERR_MALFORMED_MESSAGE`, key errors,
 *   `ERR_LABEL_EXISTS`, component errors (all exit 2)
 * @example `signet sign --key key.jwk request.http > signed.http`
 */
export const signCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  const args = parseArgs(argv, options, { command: 'sign', maxPositionals: 1 })
  const profile = otherProfile(args, 'sign')
  if (profile !== undefined) return signProfile(io, args, profile)
  const keyFile = getString(args, 'key')
  if (keyFile === undefined) throw usage('sign', '--key KEY is required')
  const backend = await resolveBackend(getString(args, 'backend'), 'sign')
  const { fieldTypes, scheme } = parseMessageOptions(args, 'sign')
  const digestAlg = parseDigestOption(getString(args, 'digest'))
  const label = getString(args, 'label') ?? 'sig1'
  const created = parseCreated(getString(args, 'created'))
  const expiresText = getString(args, 'expires')
  const expires = expiresText === undefined ? undefined : parseSeconds(expiresText, 'expires', 'sign')
  const nonce = parseNonce(getString(args, 'nonce'))
  const explicitComponents = getString(args, 'components')
  const components = explicitComponents === undefined ? undefined : splitComponents(explicitComponents, 'components', 'sign')
  const keyidOption = getString(args, 'keyid')
  const tag = getString(args, 'tag')

  // The key first: when the message comes on standard input, a bad key path is the error to show.
  const { key, declaredKid } = await loadKeyFile(io, keyFile, { alg: getString(args, 'alg'), kid: keyidOption, need: 'private' })
  const input = await readCommandMessage(io, args, scheme, 'sign')
  const { file, request } = input

  refuseExistingLabel(input.message, label)

  // RFC 9530: the digest is over the content, i.e. the body after transfer decoding.
  const body = input.message.body
  const digest = digestAlg === 'default' ? (body !== undefined && body.length > 0 ? 'sha-256' : undefined) : digestAlg
  let bytes = input.bytes
  let message = input.message
  if (digest !== undefined) {
    const value = await createContentDigest(body ?? new Uint8Array(0), [digest])
    bytes = spliceFieldLines(bytes, { remove: ['content-digest'], append: [['Content-Digest', value]] })
    message = parseMessageBytes(bytes, file, { scheme, request })
  }

  const signOptions: SignOptions = {
    key,
    label,
    components: components ?? defaultComponents(message, digest !== undefined),
    created,
    // CLI.md: `keyid` from the key's `kid` when the key has one. A PEM key or a JWK without
    // `kid` gets none: core's thumbprint kid is not the key's, and for HMAC it is a hash of the
    // secret, which has no business in a header.
    keyid: keyidOption ?? declaredKid ?? null,
    alg: has(args, 'alg'),
    paramOrder: paramOrder(args.order),
    ...(expires === undefined ? {} : { expires }),
    ...(nonce === undefined ? {} : { nonce }),
    ...(tag === undefined ? {} : { tag }),
    ...(backend === undefined ? {} : { backend }),
    ...(fieldTypes === undefined ? {} : { fieldTypes }),
  }
  const result = await signMessage(message, signOptions)
  const signed = spliceFieldLines(bytes, {
    append: [
      ['Signature-Input', result.signatureInput],
      ['Signature', result.signature],
    ],
  })
  writeBytes(io, signed)
  return 0
}

function parseDigestOption(value: string | undefined): 'sha-256' | 'sha-512' | 'default' | undefined {
  if (value === undefined) return 'default'
  if (value === 'none') return undefined
  if (value === 'sha-256' || value === 'sha-512') return value
  throw usage('sign', `--digest expects sha-256, sha-512 or none, got ${JSON.stringify(value)}`)
}

function parseCreated(value: string | undefined): number | null {
  if (value === undefined || value === 'now') return Math.floor(Date.now() / 1000)
  if (value === 'none') return null
  return parseSeconds(value, 'created', 'sign')
}

function parseNonce(value: string | undefined): string | undefined {
  // createNonce: 128 random bits, base64url (CLI.md: "random, at least 128 bits").
  if (value === undefined || value === 'auto') return createNonce()
  if (value === 'none') return undefined
  return value
}

function defaultComponents(message: HttpMessage, digestAdded: boolean): string[] {
  const list = message.kind === 'request' ? ['"@method"', '"@target-uri"'] : ['"@status"']
  if (digestAdded) list.push('"content-digest"')
  if (message.fields.some((f) => f.name === 'content-type')) list.push('"content-type"')
  return list
}

/** Flag order first, then the defaulted parameters in CLI.md order. */
function paramOrder(flagOrder: readonly string[]): string[] {
  const params: readonly string[] = defaultParamOrder
  const order = flagOrder.filter((name) => params.includes(name))
  for (const name of defaultParamOrder) if (!order.includes(name)) order.push(name)
  return order
}

/**
 * RFC 9421 section 4.2: a new signature must not reuse a label already on the message, or it
 * would replace (or be confused with) the existing one.
 */
function refuseExistingLabel(message: HttpMessage, label: string): void {
  const inputs = fieldValues(message, 'signature-input')
  const signatures = fieldValues(message, 'signature')
  const taken =
    (inputs.length > 0 && parseSignatureInput(inputs).has(label)) ||
    (signatures.length > 0 && parseSignatureField(signatures).has(label))
  if (taken) {
    throw new SignetError('ERR_LABEL_EXISTS', `the message already has a signature labelled ${JSON.stringify(label)}`)
  }
}
