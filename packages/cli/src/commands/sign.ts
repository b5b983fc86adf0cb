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
import { SignetError, createContentDigest, createNonce, parseSignatureField, parseSignatureInput, publicKey, signMessage, thumbprint } from '@signet/core'
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

const options: OptionSpecs = {
  ...signatureOptionSpecs,
  keyid: { type: 'string' },
  components: { type: 'string' },
  created: { type: 'string' },
  expires: { type: 'string' },
  nonce: { type: 'string' },
  digest: { type: 'string' },
  'signature-agent': { type: 'string' },
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
  const agentUrl = parseSignatureAgent(getString(args, 'signature-agent'))
  // CLI.md "Additions": with --signature-agent the default --tag is web-bot-auth.
  const tag = getString(args, 'tag') ?? (agentUrl === undefined ? undefined : 'web-bot-auth')

  // The key first: when the message comes on standard input, a bad key path is the error to show.
  const { key, declaredKid } = await loadKeyFile(io, keyFile, { alg: getString(args, 'alg'), kid: keyidOption, need: 'private' })
  const input = await readCommandMessage(io, args, scheme, 'sign')
  const { file, request } = input

  refuseExistingLabel(input.message, label)
  let bytes = input.bytes
  let message = input.message
  if (agentUrl !== undefined) {
    bytes = addSignatureAgent(bytes, message, label, agentUrl)
    message = parseMessageBytes(bytes, file, { scheme, request })
  }

  // RFC 9530: the digest is over the content, i.e. the body after transfer decoding.
  const body = message.body
  const digest = digestAlg === 'default' ? (body !== undefined && body.length > 0 ? 'sha-256' : undefined) : digestAlg
  if (digest !== undefined) {
    const value = await createContentDigest(body ?? new Uint8Array(0), [digest])
    bytes = spliceFieldLines(bytes, { remove: ['content-digest'], append: [['Content-Digest', value]] })
    message = parseMessageBytes(bytes, file, { scheme, request })
  }

  let covered = components ?? defaultComponents(message, digest !== undefined)
  let agentExpires: number | undefined
  let agentKeyid: string | undefined
  if (agentUrl !== undefined) {
    // draft-ietf-webbotauth-httpsig-protocol: the signer's member is covered, keyid is the
    // RFC 7638 thumbprint, and expires is required (here 300 s after created unless given).
    const member = `"signature-agent";key="${label}"`
    if (!covered.includes(member)) covered = [...covered, member]
    if (key.algorithm.symmetric) throw usage('sign', '--signature-agent needs an asymmetric key: Web Bot Auth forbids shared secrets')
    agentKeyid = await thumbprint(publicKey(key))
    if (expires === undefined && created !== null) agentExpires = created + 300
  }
  const signOptions: SignOptions = {
    key,
    label,
    components: covered,
    created,
    // CLI.md: `keyid` from the key's `kid` when the key has one. A PEM key or a JWK without
    // `kid` gets none: core's thumbprint kid is not the key's, and for HMAC it is a hash of the
    // secret, which has no business in a header.
    keyid: keyidOption ?? agentKeyid ?? declaredKid ?? null,
    alg: has(args, 'alg'),
    paramOrder: paramOrder(args.order),
    ...((expires ?? agentExpires) === undefined ? {} : { expires: (expires ?? agentExpires) as number }),
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

function parseSignatureAgent(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  // The member value is an sf-string (printable ASCII) holding an absolute https URL.
  // Plain http only on loopback, for tests against `signet directory serve`.
  const loopback = url !== undefined && url.protocol === 'http:' && /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/.test(url.hostname)
  if (url === undefined || (url.protocol !== 'https:' && !loopback) || !/^[\x20-\x7e]+$/.test(value)) {
    throw usage('sign', `--signature-agent expects an absolute https URL (http only on loopback), got ${JSON.stringify(value.slice(0, 200))}`)
  }
  return value
}

/**
 * Add this signer's member to `Signature-Agent` (a Dictionary): a new field line, or the member
 * appended to the one already there. A member under the same label is a label clash (exit 2).
 */
function addSignatureAgent(bytes: Uint8Array, message: HttpMessage, label: string, url: string): Uint8Array {
  const member = `${label}="${url.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  const existing = fieldValues(message, 'signature-agent')
  if (existing.length === 0) return spliceFieldLines(bytes, { append: [['Signature-Agent', member]] })
  const joined = existing.join(', ')
  if (joined.trimStart().startsWith('"')) {
    throw new SignetError('ERR_LABEL_EXISTS', 'the message already has a bare-string Signature-Agent; remove it to sign as an agent')
  }
  if (new RegExp(`(^|,)\\s*${label.replace(/[.*]/g, '\\$&')}=`).test(joined)) {
    throw new SignetError('ERR_LABEL_EXISTS', `the message already has a Signature-Agent member ${JSON.stringify(label)}`)
  }
  return spliceFieldLines(bytes, { remove: ['signature-agent'], append: [['Signature-Agent', `${joined}, ${member}`]] })
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
