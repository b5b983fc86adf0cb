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
 * nonce, alg, keyid, tag. `--headers-only` prints just the field lines sign added, one
 * `Name: value` per line, to hand to `curl -H`. Every failure here is an input problem (exit 2).
 *
 * @module
 */
import { SignetError, createContentDigest, createNonce, parseSignatureField, parseSignatureInput, publicKey, signMessage, thumbprint } from '@signet/core'
import type { HttpMessage, SignOptions } from '@signet/core'
import {
  ALGORITHM_HELP,
  getString,
  has,
  messageOptionSpecs,
  parseArgs,
  parseMessageOptions,
  parseSeconds,
  resolveBackend,
  signatureOptionSpecs,
  splitComponents,
  usage,
} from '../args.ts'
import type { CommandUsage, OptionSpec, OptionSpecs, ParsedArgs } from '../args.ts'
import { writeBytes } from '../io.ts'
import type { CliIO, Command } from '../io.ts'
import { loadKeyFile, signingKeyId } from '../key-file.ts'
import { fieldValues, parseMessageBytes, readCommandMessage, spliceFieldLines } from '../message-file.ts'
import { otherProfile, profileSignOptionSpecs, signProfile } from '../profiles.ts'

/**
 * The options that shape a signature, shared with `signet fetch` (which signs as `sign` does):
 * the key, the label, the covered components and every signature parameter.
 */
export const signatureParameterSpecs: OptionSpecs = {
  key: signatureOptionSpecs['key'] as OptionSpec,
  alg: signatureOptionSpecs['alg'] as OptionSpec,
  keyid: {
    type: 'string',
    valueName: 'ID',
    description: 'the keyid parameter',
    default: "the key's kid; for a PEM, its RFC 7638 thumbprint (what signet pubkey prints)",
  },
  label: { type: 'string', valueName: 'L', description: 'the signature label', default: 'sig1' },
  components: {
    type: 'string',
    valueName: '"C1 C2 ..."',
    description: 'the covered components, in RFC 9421 syntax; "" is the empty list',
    default: '"@method" "@target-uri" for a request, "@status" for a response, plus "content-digest" when a digest is added and "content-type" when present',
  },
  created: { type: 'string', valueName: 'UNIX|now|none', description: 'the created parameter', default: 'now' },
  expires: { type: 'string', valueName: 'UNIX', description: 'the expires parameter', default: 'none' },
  nonce: {
    type: 'string',
    valueName: 'VALUE|auto|none',
    description: 'the nonce parameter; auto is 128 random bits',
    default: 'auto',
  },
  tag: { type: 'string', valueName: 'T', description: 'the tag parameter, naming the application profile', default: 'none' },
  digest: {
    type: 'string',
    valueName: 'sha-256|sha-512|none',
    description: 'add Content-Digest over the body (replacing one already there)',
    default: 'sha-256 when there is a body, else none',
  },
  backend: signatureOptionSpecs['backend'] as OptionSpec,
}

/** `--signature-agent URL` (Web Bot Auth), shared with `signet fetch`. */
export const signatureAgentSpec: OptionSpec = {
  type: 'string',
  valueName: 'URL',
  description: 'sign as a Web Bot Auth agent: adds Signature-Agent: LABEL="URL", covers "signature-agent";key="LABEL", keyid is the thumbprint, tag defaults to web-bot-auth; --profile web-bot-auth requires it',
  default: 'none',
}

/**
 * The Web Bot Auth agent URL of a command line: `--signature-agent`, which `--profile
 * web-bot-auth` requires.
 *
 * @param args - the parsed command line
 * @param command - the command name, for messages
 * @returns the checked URL, or undefined when the request is not signed as an agent
 * @throws {SignetError} `ERR_USAGE` for a URL that is not https (http on loopback only), or
 *   `--profile web-bot-auth` without `--signature-agent`
 */
export function webBotAuthAgent(args: ParsedArgs, command: string): string | undefined {
  const agent = parseSignatureAgent(getString(args, 'signature-agent'), command)
  if (agent === undefined && getString(args, 'profile') === 'web-bot-auth') throw usage(command, '--profile web-bot-auth needs --signature-agent URL (the origin of your key directory)')
  return agent
}

const options: OptionSpecs = {
  ...signatureParameterSpecs,
  'headers-only': {
    type: 'boolean',
    description: 'print only the field lines sign added (Content-Digest, Signature-Input, Signature, Signature-Agent), one "Name: value" per line',
  },
  'signature-agent': signatureAgentSpec,
  ...profileSignOptionSpecs,
  // Repeatable for the profiles' sake; RFC 9421 signing refuses a second one (otherProfile).
  key: { ...(signatureParameterSpecs['key'] as OptionSpec), multiple: true },
  ...messageOptionSpecs,
}

const USAGE: CommandUsage = {
  synopsis: 'sign --key KEY [options] [MESSAGE]',
  summary: `Sign a raw HTTP/1.1 request or response. MESSAGE is a file; "-" or none reads standard input.
Prints the message byte for byte with Content-Digest (when a digest is added), Signature-Input
and Signature appended after its field lines, in its line endings.`,
  notes: `Parameters given as flags appear in the order of the flags; defaulted ones follow in the
order created, expires, nonce, alg, keyid, tag. --alg also adds the alg parameter.
KEY is a JWK, a JWKS holding one key (or the one --keyid names) or a PEM file; an HMAC key is
a JWK with "kty": "oct".
${ALGORITHM_HELP}
Example, a signed request with curl:
  signet sign --key key.jwk --headers-only --scheme http req.http > sig.txt
  curl -H @sig.txt http://127.0.0.1:8080/path     (curl 7.55 or later reads -H @FILE)
Exit codes: 0 signed, 2 usage, file, message or key error.`,
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
  const args = parseArgs(argv, options, { command: 'sign', maxPositionals: 1, usage: USAGE })
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
  const agentUrl = webBotAuthAgent(args, 'sign')
  // CLI.md "Additions": with --signature-agent the default --tag is web-bot-auth.
  const tag = getString(args, 'tag') ?? (agentUrl === undefined ? undefined : 'web-bot-auth')

  // The key first: when the message comes on standard input, a bad key path is the error to show.
  const loaded = await loadKeyFile(io, keyFile, { alg: getString(args, 'alg'), kid: keyidOption, need: 'private' })
  const { key } = loaded
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
    // CLI.md: `keyid` from the key's `kid`; a PEM (or a public-key JWK without one) gets its
    // thumbprint, the kid `signet pubkey` prints, so a JWKS made with pubkey finds it. A Web Bot
    // Auth agent's keyid is always the thumbprint (unless --keyid overrides).
    keyid: keyidOption ?? agentKeyid ?? (await signingKeyId(loaded, keyidOption)),
    alg: has(args, 'alg'),
    paramOrder: paramOrder(args.order),
    ...((expires ?? agentExpires) === undefined ? {} : { expires: (expires ?? agentExpires) as number }),
    ...(nonce === undefined ? {} : { nonce }),
    ...(tag === undefined ? {} : { tag }),
    ...(backend === undefined ? {} : { backend }),
    ...(fieldTypes === undefined ? {} : { fieldTypes }),
  }
  const result = await signMessage(message, signOptions)
  const added: Array<[string, string]> = [
    ['Signature-Input', result.signatureInput],
    ['Signature', result.signature],
  ]
  if (has(args, 'headers-only')) {
    // CLI.md: only the field lines sign added, one `Name: value` per line, for `curl -H`.
    const digestLine = digest === undefined ? [] : fieldValues(message, 'content-digest').map((v) => `Content-Digest: ${v}\n`)
    const agentLine = agentUrl === undefined ? [] : fieldValues(message, 'signature-agent').map((v) => `Signature-Agent: ${v}\n`)
    io.stdout([...digestLine, ...added.map(([name, value]) => `${name}: ${value}\n`), ...agentLine].join(''))
    return 0
  }
  writeBytes(io, spliceFieldLines(bytes, { append: added }))
  return 0
}

function parseSignatureAgent(value: string | undefined, command: string): string | undefined {
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
    throw usage(command, `--signature-agent expects an absolute https URL (http only on loopback), got ${JSON.stringify(value.slice(0, 200))}`)
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
