/**
 * Shared setup for the `signet console` tests: a registry file with keys, raw requests signed
 * with core, and `signet console` run in-process (stopped by aborting its signal, as SIGINT
 * does in the binary).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createContentDigest, importKey, parseHttpMessage, signMessage } from '@signet/core'
import type { SignetKey } from '@signet/core'
import { openRegistryFromSpec } from '@signet/registry'
import type { Registry } from '@signet/registry'
import { main } from '../src/main.ts'
import type { CliIO } from '../src/io.ts'

export interface Fixture {
  readonly dir: string
  readonly file: string
  readonly env: Record<string, string>
  readonly registry: Registry
}

/** A registry file in a scratch directory, opened. */
export async function registryFixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'signet-console-'))
  const file = join(dir, 'keys.signet')
  const env = { SIGNET_MASTER_KEY: randomBytes(32).toString('base64url'), SIGNET_ACTOR: 'console-test' }
  const registry = await openRegistryFromSpec(file, { env, actor: 'console-test', file: { refreshIntervalMs: 0 } })
  return { dir, file, env, registry }
}

/** An Ed25519 registry key and its private key, ready to sign with. */
export async function ed25519Key(
  registry: Registry,
  owner = 'acme',
  allowIps: readonly string[] = ['10.0.0.0/8'],
): Promise<{ keyid: string; privateJwk: JsonWebKey; signing: SignetKey; publicJwk: JsonWebKey }> {
  const created = await registry.create({ owner, alg: 'ed25519', scopes: ['orders:write'], allowIps })
  const privateJwk = created.privateKey as JsonWebKey
  const publicJwk = created.publicKey as JsonWebKey
  return { keyid: created.keyid, privateJwk, publicJwk, signing: await importKey(privateJwk as JsonWebKey & { kid: string }) }
}

/**
 * A POST signed over `@method @target-uri @authority content-digest content-type` as a client
 * calling `https://HOST` signs it.
 */
export async function signedRequest(key: SignetKey, keyid: string, options: { host?: string; body?: string; created?: number; expires?: number } = {}): Promise<string> {
  const body = options.body ?? '{"item":42}'
  const host = options.host ?? 'api.example.com'
  const digest = await createContentDigest(new TextEncoder().encode(body))
  const head = `POST /orders?x=1 HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Digest: ${digest}\r\n`
  const message = parseHttpMessage(`${head}\r\n${body}`, { scheme: 'https' })
  const signed = await signMessage(message, {
    key,
    keyid,
    components: ['@method', '@target-uri', '@authority', 'content-digest', 'content-type'],
    created: options.created ?? Math.floor(Date.now() / 1000),
    nonce: randomBytes(8).toString('base64url'),
    ...(options.expires === undefined ? {} : { expires: options.expires }),
  })
  return `${head}Signature-Input: ${signed.signatureInput}\r\nSignature: ${signed.signature}\r\n\r\n${body}`
}

/** `signet console` running in-process. */
export interface ConsoleRun {
  readonly url: string
  readonly stderr: () => string
  /** Abort (SIGINT) and the exit code. */
  stop(): Promise<number>
}

/** Start `signet console --registry FILE --port 0` in-process and wait for its address. */
export async function startConsoleCommand(fixture: Fixture, extra: string[] = []): Promise<ConsoleRun> {
  const controller = new AbortController()
  let stdout = ''
  let stderr = ''
  let announced: (url: string) => void = () => {}
  const ready = new Promise<string>((resolve) => {
    announced = resolve
  })
  const io: CliIO = {
    stdin: async () => new Uint8Array(0),
    stdout: (text) => {
      stdout += text
      const m = /console on (http:\/\/\S+)\n/.exec(stdout)
      if (m !== null) announced(m[1] as string)
    },
    stderr: (text) => {
      stderr += text
    },
    env: fixture.env,
    cwd: fixture.dir,
    signal: controller.signal,
  }
  const exit = main(['console', '--registry', fixture.file, '--port', '0', ...extra], io)
  const url = await Promise.race([ready, exit.then((code) => Promise.reject(new Error(`signet console exited ${code}: ${stderr}`)))])
  return {
    url,
    stderr: () => stderr,
    stop: async () => {
      controller.abort()
      return exit
    },
  }
}
