/**
 * In-process harness for the `signet` command: a memory CliIO, a scratch directory, and the
 * RFC 9421 vectors from test/vectors (the repository's copy, see its README).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { Metafile } from 'esbuild'
import { main } from '../src/main.ts'
import type { CliIO } from '../src/io.ts'

export interface RunResult {
  readonly code: number
  readonly stdout: string
  readonly stdoutBytes: Uint8Array
  readonly stderr: string
}

/** A scratch directory for key and message files. */
export function scratch(): { dir: string; write: (name: string, content: string | Uint8Array) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'signet-cli-'))
  return {
    dir,
    write(name, content) {
      writeFileSync(join(dir, name), content)
      return name
    },
  }
}

/** Run `signet ...argv` in-process with the given working directory and standard input. */
export async function run(argv: string[], options: { cwd: string; stdin?: string | Uint8Array }): Promise<RunResult> {
  const out: Uint8Array[] = []
  let err = ''
  const enc = new TextEncoder()
  const io: CliIO = {
    stdin: async () => (typeof options.stdin === 'string' ? enc.encode(options.stdin) : (options.stdin ?? new Uint8Array(0))),
    stdout: (text) => void out.push(enc.encode(text)),
    stderr: (text) => {
      err += text
    },
    stdoutBytes: (bytes) => void out.push(bytes.slice()),
    env: {},
    cwd: options.cwd,
  }
  const code = await main(argv, io)
  const total = out.reduce((n, b) => n + b.length, 0)
  const stdoutBytes = new Uint8Array(total)
  let offset = 0
  for (const b of out) {
    stdoutBytes.set(b, offset)
    offset += b.length
  }
  return { code, stdout: new TextDecoder().decode(stdoutBytes), stdoutBytes, stderr: err }
}

/** The single `{ code, message }` report a failed command writes on standard error. */
export function errorReport(result: RunResult): { code: string; message: string } {
  const lines = result.stderr.split('\n').filter((l) => l !== '')
  if (lines.length !== 1) throw new Error(`expected one stderr line, got ${JSON.stringify(result.stderr)}`)
  const parsed = JSON.parse(lines[0] as string) as { code: string; message: string }
  if (typeof parsed.code !== 'string' || typeof parsed.message !== 'string') throw new Error(`bad report ${lines[0]}`)
  return parsed
}

export interface VectorMessage {
  start_line: string
  headers: [string, string][]
  body: string
  raw_crlf: string
}
export interface VectorExample {
  id: string
  message: string
  label: string
  keyid: string
  alg: string
  alg_source: string
  deterministic: boolean
  expect: string
  covered_components: string[]
  signature_params: string
  signature_input: string
  signature_base: string
  signature: string
  related_request?: string
  message_variants?: { message: string; expect: string; why: string }[]
}
export interface VectorKey {
  kid: string
  usable_with: string[]
  public_pem?: string
  private_pem?: string
  jwk: Record<string, unknown>
}
export interface Vectors {
  keys: Record<string, VectorKey>
  messages: Record<string, VectorMessage>
  examples: VectorExample[]
}

/** RFC 9421 vectors (source: RFC 9421 Appendix B and sections 2.4, 3.2, 4.3). */
export const vectors: Vectors = JSON.parse(
  readFileSync(new URL('../../../test/vectors/rfc9421-vectors.json', import.meta.url), 'utf8'),
) as Vectors

/** The JOSE name of each RFC 9421 algorithm (RFC 7518 section 3.1, RFC 8037 section 3.1). */
export const joseOf: Record<string, string> = {
  'hmac-sha256': 'HS256',
  ed25519: 'EdDSA',
  'rsa-pss-sha512': 'PS512',
  'rsa-v1_5-sha256': 'RS256',
  'ecdsa-p256-sha256': 'ES256',
  'ecdsa-p384-sha384': 'ES384',
}

/** A vector key's JWK with its JOSE `alg` set (RSA keys need it to pick PSS or v1.5). */
export function vectorJwk(kid: string): Record<string, unknown> {
  const key = vectors.keys[kid]
  if (key === undefined) throw new Error(`no vector key ${kid}`)
  return { ...key.jwk, alg: joseOf[key.usable_with[0] as string] }
}

/** The `created` parameter of a serialized signature parameter list. */
export function createdOf(params: string): number {
  const m = /;created=(\d+)/.exec(params)
  if (m === null) throw new Error(`no created in ${params}`)
  return Number(m[1])
}

/** The raw text of the signed message of an example (B.2 messages get the two fields appended). */
export function signedMessageText(example: VectorExample): string {
  const message = vectors.messages[example.message] as VectorMessage
  if (message.headers.some(([name]) => name.toLowerCase() === 'signature-input')) return message.raw_crlf
  return appendFields(message.raw_crlf, [
    ['Signature-Input', example.signature_input],
    ['Signature', example.signature],
  ])
}

/** Append field lines after the last field line of a CRLF message. */
export function appendFields(raw: string, fields: [string, string][]): string {
  const end = raw.indexOf('\r\n\r\n')
  const lines = fields.map(([n, v]) => `\r\n${n}: ${v}`).join('')
  return raw.slice(0, end) + lines + raw.slice(end)
}

/** Rebuild a message from its start line, field lines and body, with the given line ending. */
export function buildMessage(startLine: string, headers: [string, string][], body: string, eol = '\r\n'): string {
  return [startLine, ...headers.map(([n, v]) => `${n}: ${v}`), '', body].join(eol)
}

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url))

/**
 * Bundle the `signet` executable from the sources into `outfile`, so the process tests do not
 * depend on `pnpm build`. Every `@signet/*` import resolves to the package sources, so the
 * bundle holds one copy of @signet/core (one SignetError class, one algorithm table).
 *
 * @returns the esbuild metafile, to check what went in.
 */
export async function bundleCli(outfile: string): Promise<Metafile> {
  mkdirSync(dirname(outfile), { recursive: true })
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../src/bin.ts', import.meta.url))],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    metafile: true,
    // Bundled CommonJS dependencies (ioredis) call require() for Node built-ins: give the ESM bundle one.
    banner: { js: "import { createRequire as __signetCreateRequire } from 'node:module'; const require = __signetCreateRequire(import.meta.url);" },
    plugins: [
      {
        name: 'signet-sources',
        setup(b) {
          b.onResolve({ filter: /^@signet\/(core|client|server|registry)(\/.*)?$/ }, (args) => {
            const [, pkg, sub] = /^@signet\/([a-z]+)(?:\/(.*))?$/.exec(args.path) as unknown as [string, string, string | undefined]
            return { path: `${repositoryRoot}packages/${pkg}/src/${pkg === 'core' ? 'entries/' : ''}${sub === undefined ? 'index' : sub}.ts` }
          })
        },
      },
    ],
  })
  return result.metafile
}
