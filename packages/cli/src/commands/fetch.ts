/**
 * `signet fetch`: a signed curl (CLI.md "`signet fetch`").
 *
 * The request is built from curl's options (`-X`, `-H`, `-d`, `--data-binary`), signed as
 * `signet sign` would sign it (a fresh `created` and nonce, the same defaults and key id rule)
 * and sent with @signet/client's `signedFetch`, so redirects and clock offsets behave as they do
 * there: a redirect on the same origin is followed and signed again, one to another origin is
 * followed without the signature; a 401 naming a clock skew teaches the offset and is retried
 * once. The response body goes to standard output byte for byte; `-i` puts the status line and
 * the response fields before it.
 *
 * Exit codes: 0 when a response arrived, whatever its status; with `--fail`, 1 on a status of
 * 400 or more (nothing on standard output, a `{ "code": "ERR_HTTP_STATUS" }` report on standard
 * error, as curl's `--fail` keeps the body of an error away from a pipe); 2 for usage and key
 * errors, and when no response arrived (`ERR_IO`).
 *
 * @module
 */
import { SignetError, isSignetError } from '@signet/core'
import { createSigner, signedFetch } from '@signet/client'
import type { SignerOptions } from '@signet/client'
import { ALGORITHM_HELP, getAll, getString, has, parseArgs, parseSeconds, resolveBackend, splitComponents, usage } from '../args.ts'
import type { CommandUsage, OptionSpecs } from '../args.ts'
import { readInput, verificationFailure, writeBytes } from '../io.ts'
import type { CliIO, Command } from '../io.ts'
import { loadKeyFile, signingKeyId } from '../key-file.ts'
import { otherProfile, profileSigner, profileSignOptionSpecs } from '../profiles.ts'
import { signatureParameterSpecs, signatureAgentSpec, webBotAuthAgent } from './sign.ts'

const COMMAND = 'fetch'

const options: OptionSpecs = {
  request: { type: 'string', short: 'X', valueName: 'METHOD', description: 'the request method', default: 'GET, or POST with -d or --data-binary' },
  header: { type: 'string', short: 'H', multiple: true, valueName: '"Name: value"', description: 'a request field (repeatable)' },
  data: {
    type: 'string',
    short: 'd',
    valueName: 'TEXT',
    description: 'the request body; @FILE reads a file without its line breaks, as curl does; sets Content-Type: application/x-www-form-urlencoded unless -H gives one',
    default: 'no body',
  },
  'data-binary': {
    type: 'string',
    valueName: '@FILE|TEXT',
    description: 'the request body byte for byte; @FILE reads a file, @- standard input',
    default: 'no body',
  },
  include: { type: 'boolean', short: 'i', description: 'print the status line and the response fields before the body' },
  fail: { type: 'boolean', short: 'f', description: 'exit 1, printing no body, when the status is 400 or more' },
  ...signatureParameterSpecs,
  // Where fetch differs from sign: each request is signed when it is sent (and again on a retry).
  alg: {
    type: 'string',
    valueName: 'ALG',
    description: 'the algorithm, an RFC 9421 or JOSE name, for a key that implies none',
    default: 'the one the key implies',
  },
  components: {
    type: 'string',
    valueName: '"C1 C2 ..."',
    description: 'the covered components, in RFC 9421 syntax',
    default: '"@method" "@target-uri", plus "content-digest" with a body and "content-type" when present',
  },
  created: { type: 'string', valueName: 'now|none', description: 'the created parameter, the time of sending', default: 'now' },
  expires: { type: 'string', valueName: 'UNIX', description: 'the expires parameter (sent as the same lifetime on a retry)', default: 'none' },
  'signature-agent': signatureAgentSpec,
  ...profileSignOptionSpecs,
}

const USAGE: CommandUsage = {
  synopsis: 'fetch --key KEY [sign options] [--profile NAME] [-X METHOD] [-H "Name: value"]... [-d TEXT | --data-binary @FILE] [-i] [--fail] URL',
  summary: `Send a signed HTTP request, like curl: the request is signed as signet sign signs it, with
a fresh created and nonce, and the response body goes to standard output.`,
  notes: `Redirects: one on the same origin is followed and signed again; one to another origin is
followed without the signature. A 401 naming a clock skew teaches the offset and is retried once.
${ALGORITHM_HELP}
Exit codes: 0 when a response arrived, whatever its status; 1 with --fail on a status of 400
or more; 2 on usage or key errors and when no response arrived.`,
}

/**
 * Run `signet fetch`.
 *
 * @param argv - the arguments after `fetch`
 * @param io - the command's surroundings
 * @returns 0 when a response arrived
 * @throws {SignetError} `ERR_HTTP_STATUS` with `--fail` on a status of 400 or more (exit 1);
 *   `ERR_USAGE`, key errors, and `ERR_IO` when no response arrived (exit 2)
 * @example `signet fetch --key key.jwk -X POST -H 'Content-Type: application/json' -d '{}' http://127.0.0.1:8080/orders`
 */
export const fetchCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  const args = parseArgs(argv, options, { command: COMMAND, maxPositionals: 1, usage: USAGE })
  const target = parseTarget(args.positionals[0])
  const keyFile = getString(args, 'key')
  if (keyFile === undefined) throw usage(COMMAND, '--key KEY is required')
  if (has(args, 'data') && has(args, 'data-binary')) throw usage(COMMAND, 'give at most one of -d and --data-binary')
  const headers = parseHeaders(getAll(args, 'header'))
  const backend = await resolveBackend(getString(args, 'backend'), COMMAND)
  // --profile: a webhook, Binance, SigV4 or cavage signer signs the request as `sign --profile`
  // does; rfc9421 and web-bot-auth sign with the client's RFC 9421 signer.
  const profile = otherProfile(args, COMMAND)
  const signer = profile === undefined ? createSigner(await signerOptions(io, keyFile, args, backend)) : await profileSigner(io, args, profile, keyFile)
  const body = await requestBody(io, args, headers)
  const method = (getString(args, 'request') ?? (body === undefined ? 'GET' : 'POST'))
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(method)) throw usage(COMMAND, `-X expects a method name, got ${JSON.stringify(method.slice(0, 40))}`)

  const send = signedFetch(signer)
  let response: Response
  try {
    response = await send(target, { method, headers, ...(body === undefined ? {} : { body: body as Uint8Array<ArrayBuffer> }) })
  } catch (error) {
    if (isSignetError(error)) throw error
    throw new SignetError('ERR_IO', `no response from ${target.origin}: ${reasonOf(error)}`, { cause: error })
  }
  if (has(args, 'fail') && response.status >= 400) {
    const code = await problemCode(response)
    await response.body?.cancel().catch(() => undefined)
    throw verificationFailure(new SignetError('ERR_HTTP_STATUS', `${method} ${target.href} answered ${response.status}${code}`))
  }
  if (has(args, 'include')) io.stdout(head(response))
  const bytes = new Uint8Array(await response.arrayBuffer())
  if (bytes.length > 0) writeBytes(io, bytes)
  return 0
}

function parseTarget(value: string | undefined): URL {
  if (value === undefined) throw usage(COMMAND, 'a URL is required')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw usage(COMMAND, `expected an http or https URL, got ${JSON.stringify(value.slice(0, 80))}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usage(COMMAND, `expected an http or https URL, got ${JSON.stringify(value.slice(0, 80))}`)
  }
  return url
}

/** `-H "Name: value"`: RFC 9110 field-name syntax, the value trimmed of outer whitespace. */
function parseHeaders(values: readonly string[]): Headers {
  const headers = new Headers()
  for (const line of values) {
    const colon = line.indexOf(':')
    const name = colon === -1 ? '' : line.slice(0, colon)
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw usage(COMMAND, `-H expects "Name: value", got ${JSON.stringify(line.slice(0, 80))}`)
    }
    try {
      headers.append(name, line.slice(colon + 1).trim())
    } catch {
      throw usage(COMMAND, `-H has a value that cannot be sent: ${JSON.stringify(line.slice(0, 80))}`)
    }
  }
  return headers
}

/** The body of `-d` or `--data-binary`, or undefined for none. */
async function requestBody(io: CliIO, args: ReturnType<typeof parseArgs>, headers: Headers): Promise<Uint8Array | undefined> {
  const data = getString(args, 'data')
  if (data !== undefined) {
    // curl -d: `@FILE` is read without its CR and LF; the body is a form unless said otherwise.
    const text = data.startsWith('@') ? new TextDecoder().decode(await readInput(io, data.slice(1), 'data')).replace(/[\r\n]/g, '') : data
    if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded')
    return new TextEncoder().encode(text)
  }
  const binary = getString(args, 'data-binary')
  if (binary === undefined) return undefined
  return binary.startsWith('@') ? readInput(io, binary.slice(1), 'data') : new TextEncoder().encode(binary)
}

/** The signer, from the same options and defaults as `signet sign`. */
async function signerOptions(
  io: CliIO,
  keyFile: string,
  args: ReturnType<typeof parseArgs>,
  backend: SignerOptions['backend'],
): Promise<SignerOptions> {
  const keyidOption = getString(args, 'keyid')
  const loaded = await loadKeyFile(io, keyFile, { alg: getString(args, 'alg'), kid: keyidOption, need: 'private' })
  const keyId = await signingKeyId(loaded, keyidOption)
  const componentsText = getString(args, 'components')
  const created = getString(args, 'created') ?? 'now'
  if (created !== 'now' && created !== 'none') throw usage(COMMAND, `--created expects now or none (each request is signed when sent), got ${JSON.stringify(created.slice(0, 40))}`)
  const expiresText = getString(args, 'expires')
  const expiresIn = expiresText === undefined ? undefined : parseSeconds(expiresText, 'expires', COMMAND) - Math.floor(Date.now() / 1000)
  if (expiresIn !== undefined && expiresIn <= 0) throw usage(COMMAND, '--expires is in the past')
  const nonce = getString(args, 'nonce') ?? 'auto'
  const digest = getString(args, 'digest')
  if (digest !== undefined && digest !== 'sha-256' && digest !== 'sha-512' && digest !== 'none') {
    throw usage(COMMAND, `--digest expects sha-256, sha-512 or none, got ${JSON.stringify(digest.slice(0, 40))}`)
  }
  const label = getString(args, 'label')
  const agent = webBotAuthAgent(args, COMMAND)
  const tag = getString(args, 'tag')
  return {
    key: loaded.key,
    ...(has(args, 'alg') ? { alg: loaded.key.algorithm.name } : {}),
    // A Web Bot Auth agent's keyid is the key's thumbprint, which the client sets itself.
    ...(agent === undefined ? (keyId === null ? {} : { keyId }) : { signatureAgent: agent }),
    ...(label === undefined ? {} : { label }),
    ...(componentsText === undefined ? {} : { components: splitComponents(componentsText, 'components', COMMAND) }),
    created: created === 'now',
    ...(expiresIn === undefined ? {} : { expires: expiresIn }),
    nonce: nonce === 'auto' ? true : nonce === 'none' ? false : () => nonce,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
    ...(backend === undefined ? {} : { backend }),
  }
}

/** `-i`: the status line and the response fields, as curl prints them. */
function head(response: Response): string {
  const lines = [`HTTP/1.1 ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`]
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') lines.push(`${name}: ${value}`)
  })
  for (const cookie of response.headers.getSetCookie()) lines.push(`set-cookie: ${cookie}`)
  return `${lines.join('\r\n')}\r\n\r\n`
}

/** The `code` of a problem+json answer, for the `--fail` report (` (ERR_...)`), else nothing. */
async function problemCode(response: Response): Promise<string> {
  if (!(response.headers.get('content-type') ?? '').includes('json')) return ''
  try {
    const body = (await response.clone().json()) as { code?: unknown }
    return typeof body.code === 'string' ? ` (${body.code.slice(0, 60)})` : ''
  } catch {
    return ''
  }
}

function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause
  if (typeof cause?.code === 'string') return cause.code
  if (typeof cause?.message === 'string') return cause.message
  return error instanceof Error ? error.message : String(error)
}
