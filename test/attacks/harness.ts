/**
 * The attack suite's one harness: the same verifier configuration behind every way Signet is
 * deployed, so each attack is tried against all of them and must be refused by all of them.
 *
 * Targets, each with its own nonce store (as separate services would have):
 * - `fetch`   `withSignet` (Workers, Deno, Bun), called in-process with a Fetch `Request`;
 * - `node`    `withSignetNode` on a loopback `node:http` server, raw HTTP/1.1 bytes on a socket;
 * - `express` `signetExpress` in an Express app on loopback, raw bytes;
 * - `hono`    `signetHono` in a Hono app, called in-process through `app.fetch`;
 * - `serve`   `signet serve` run in-process by the CLI dispatcher (one per file), raw bytes.
 *
 * Every target reads the same JWKS (the file `signet serve --jwks` is given), so a key's state,
 * scopes and IP lists are the same everywhere. Requests are signed for `http://attack.test`: the
 * socket targets get `Host: attack.test`, the in-process ones that URL, and the in-process ones
 * report the loopback address as the peer, as the socket ones see it.
 *
 * @module
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import { Hono } from 'hono'
import { afterAll, beforeAll } from 'vitest'
import { createContentDigest, exportJwk, generateKey, publicKey, randomBytes, signMessage, toBase64Url, utf8 } from '@signet/core'
import type { FieldLine, HttpRequestMessage, SignetKey } from '@signet/core'
import { MemoryNonceStore, createVerifier, parseJwks, signetExpress, withSignet, withSignetNode } from '@signet/server'
import { signetHono } from '@signet/server/hono'
import type { Verifier, VerifierOptions } from '@signet/server'
import { serveInProcess } from '../../packages/cli/test/serve-harness.ts'
import type { ServeRunning } from '../../packages/cli/test/serve-harness.ts'

/** Every deployment an attack is tried against. */
export const TARGETS = ['fetch', 'node', 'express', 'hono', 'serve'] as const
export type TargetName = (typeof TARGETS)[number]

/** The authority every request is signed for. */
export const AUTHORITY = 'attack.test'

/** What a target answered. */
export interface Outcome {
  readonly status: number
  /** The problem+json `code` of a refusal. */
  readonly code: string | undefined
  /** The verified key id of an accepted request. */
  readonly keyid: string | undefined
}

/** The verifier configuration a file's attacks run under; the same for every target. */
export interface AttackConfig {
  /** `authorities` / `--authority`. */
  readonly authorities?: readonly string[]
  /** `trustedProxies` / `--trust-proxy`, with `forwardedHeader` / `--forwarded-header`. */
  readonly trustedProxies?: readonly string[]
  readonly forwardedHeader?: 'x-forwarded-for' | 'forwarded'
  /** `policy.requiredComponents` / `--require`. */
  readonly requiredComponents?: readonly string[]
  /** `policy.maxAgeSeconds` / `--max-age`. */
  readonly maxAgeSeconds?: number
  /** Live nonces per key in each target's memory store: `maxEntriesPerOwner` / `--nonce-quota`. */
  readonly nonceQuota?: number
}

/** The keys of the suite, by key id; all in the JWKS every target reads. */
export interface AttackKeys {
  /** HMAC, owner `acme`, scope `read`. */
  readonly hmac: SignetKey
  /** A second HMAC key, another caller. */
  readonly other: SignetKey
  readonly ed25519: SignetKey
  readonly ecdsa: SignetKey
  /** HMAC, revoked in the JWKS (`state: "revoked"`). */
  readonly revoked: SignetKey
  /** HMAC, usable only from 203.0.113.0/24 (`allowIps`). */
  readonly allowListed: SignetKey
}

/** A started set of targets. */
export interface AttackHarness {
  readonly keys: AttackKeys
  /** Send one request to a target. */
  send(target: TargetName, message: HttpRequestMessage): Promise<Outcome>
  /** Send many requests to a target (pipelined on one connection for the socket targets). */
  sendMany(target: TargetName, messages: readonly HttpRequestMessage[]): Promise<Outcome[]>
}

/** What {@link signed} builds. */
export interface SignedSpec {
  readonly method?: string
  readonly target?: string
  readonly authority?: string
  /** The scheme signed for (default `http`, what every target serves). */
  readonly scheme?: string
  readonly fields?: readonly FieldLine[]
  readonly body?: string
  /** Covered components (default `@method @target-uri`, plus `content-digest content-type` with a body). */
  readonly components?: readonly string[]
  readonly key?: SignetKey
  /** Extra signature parameters and overrides (`created`, `expires`, `nonce`, `alg`, `tag`, `label`). */
  readonly params?: Readonly<Record<string, string | number | boolean | null | undefined>>
}

let counter = 0

/** A fresh nonce: unique per call in this process. */
export function freshNonce(): string {
  counter += 1
  return `atk-${counter}-${toBase64Url(randomBytes(9))}`
}

/**
 * A request for `http://attack.test`, signed now with a fresh nonce.
 *
 * @example const m = await signed(h.keys.hmac, { body: '{"a":1}' })
 */
export async function signed(key: SignetKey, spec: SignedSpec = {}): Promise<HttpRequestMessage> {
  const authority = spec.authority ?? AUTHORITY
  const fields: FieldLine[] = [{ name: 'host', value: authority }, ...(spec.fields ?? [])]
  const body = spec.body === undefined ? undefined : utf8(spec.body)
  if (body !== undefined && body.length > 0) {
    if (!fields.some((f) => f.name === 'content-type')) fields.push({ name: 'content-type', value: 'application/json' })
    fields.push({ name: 'content-digest', value: await createContentDigest(body) })
  }
  const message: HttpRequestMessage = {
    kind: 'request',
    method: spec.method ?? (body === undefined ? 'GET' : 'POST'),
    scheme: spec.scheme ?? 'http',
    authority,
    target: spec.target ?? '/orders?id=7',
    fields,
    trailers: [],
    body: body !== undefined && body.length > 0 ? body : undefined,
  }
  const components = spec.components ?? (message.body === undefined ? ['@method', '@target-uri'] : ['@method', '@target-uri', 'content-digest', 'content-type'])
  const params = spec.params ?? {}
  const result = await signMessage(message, {
    key: spec.key ?? key,
    components: [...components],
    created: 'created' in params ? (params['created'] as number | null) : Math.floor(Date.now() / 1000),
    ...('nonce' in params ? (params['nonce'] === undefined ? {} : { nonce: params['nonce'] as string }) : { nonce: freshNonce() }),
    ...(params['expires'] === undefined ? {} : { expires: params['expires'] as number }),
    ...(params['tag'] === undefined ? {} : { tag: params['tag'] as string }),
    ...(params['label'] === undefined ? {} : { label: params['label'] as string }),
    ...('keyid' in params ? { keyid: params['keyid'] as string | null } : {}),
    ...(params['alg'] === undefined ? {} : { alg: true }),
  })
  return { ...message, fields: [...message.fields, { name: 'signature-input', value: result.signatureInput }, { name: 'signature', value: result.signature }] }
}

/** The message with one field's value replaced, or the field added when absent. */
export function withField(message: HttpRequestMessage, name: string, value: string): HttpRequestMessage {
  const has = message.fields.some((f) => f.name === name)
  return { ...message, fields: has ? message.fields.map((f) => (f.name === name ? { name, value } : f)) : [...message.fields, { name, value }] }
}

/** The message without any line of the field `name`. */
export function withoutField(message: HttpRequestMessage, name: string): HttpRequestMessage {
  return { ...message, fields: message.fields.filter((f) => f.name !== name) }
}

/** The raw HTTP/1.1 text of a message (request line, field lines in order, framing, body). */
export function rawRequest(message: HttpRequestMessage, close = true): Buffer {
  const lines = [`${message.method} ${message.target} HTTP/1.1`]
  for (const f of message.fields) lines.push(`${f.name}: ${f.value}`)
  const body = message.body === undefined ? Buffer.alloc(0) : Buffer.from(message.body)
  if (body.length > 0 || message.method === 'POST' || message.method === 'PUT') lines.push(`content-length: ${body.length}`)
  if (close) lines.push('connection: close')
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), body])
}

function outcomeOf(status: number, body: string): Outcome {
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(body) as Record<string, unknown>
  } catch {
    // Not JSON: a bare status.
  }
  return { status, code: typeof json['code'] === 'string' ? json['code'] : undefined, keyid: typeof json['keyid'] === 'string' ? json['keyid'] : undefined }
}

/** Read `count` HTTP/1.1 answers from one connection (each framed by Content-Length). */
function exchange(port: number, bytes: Buffer, count: number): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const out: Outcome[] = []
    let buffer = Buffer.alloc(0)
    const socket = connect(port, '127.0.0.1', () => void socket.write(bytes))
    socket.setTimeout(20_000, () => socket.destroy(new Error(`no complete answer from 127.0.0.1:${port}`)))
    const drain = (): void => {
      for (;;) {
        const split = buffer.indexOf('\r\n\r\n')
        if (split < 0) return
        const head = buffer.subarray(0, split).toString('latin1')
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
        if (buffer.length < split + 4 + length) return
        const body = buffer.subarray(split + 4, split + 4 + length).toString('utf8')
        buffer = buffer.subarray(split + 4 + length)
        out.push(outcomeOf(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body))
        if (out.length === count) {
          socket.destroy()
          resolve(out)
          return
        }
      }
    }
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      drain()
    })
    socket.on('end', () => (out.length === count ? resolve(out) : reject(new Error(`connection closed after ${out.length} of ${count} answers`))))
    socket.on('error', reject)
  })
}

function fetchRequest(message: HttpRequestMessage): Request {
  const headers = new Headers()
  for (const f of message.fields) if (f.name !== 'host') headers.append(f.name, f.value)
  const url = message.target.startsWith('/') ? `${message.scheme}://${message.authority}${message.target}` : message.target
  return new Request(url, { method: message.method, headers, ...(message.body === undefined ? {} : { body: message.body }) })
}

async function responseOutcome(response: Response): Promise<Outcome> {
  return outcomeOf(response.status, await response.text())
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)))
}

async function makeKeys(): Promise<{ keys: AttackKeys; jwks: { keys: Record<string, unknown>[] } }> {
  const hmacKey = async (kid: string): Promise<{ key: SignetKey; jwk: Record<string, unknown> }> => {
    const key = await generateKey('hmac-sha256', { kid })
    return { key, jwk: { ...((await exportJwk(key, { private: true })) as Record<string, unknown>), kid } }
  }
  const pair = async (alg: 'ed25519' | 'ecdsa-p256-sha256', kid: string): Promise<{ key: SignetKey; jwk: Record<string, unknown> }> => {
    const key = await generateKey(alg, { kid })
    return { key, jwk: { ...((await exportJwk(publicKey(key))) as Record<string, unknown>), kid } }
  }
  const [hmac, other, ed, ec, revoked, allow] = await Promise.all([
    hmacKey('k-hmac'),
    hmacKey('k-other'),
    pair('ed25519', 'k-ed'),
    pair('ecdsa-p256-sha256', 'k-ec'),
    hmacKey('k-revoked'),
    hmacKey('k-allow'),
  ])
  return {
    keys: { hmac: hmac.key, other: other.key, ed25519: ed.key, ecdsa: ec.key, revoked: revoked.key, allowListed: allow.key },
    jwks: {
      keys: [
        { ...hmac.jwk, owner: 'acme', scopes: ['read'] },
        other.jwk,
        ed.jwk,
        ec.jwk,
        { ...revoked.jwk, state: 'revoked' },
        { ...allow.jwk, allowIps: ['203.0.113.0/24'] },
      ],
    },
  }
}

function serveArgs(config: AttackConfig): string[] {
  const args: string[] = []
  for (const a of config.authorities ?? []) args.push('--authority', a)
  for (const p of config.trustedProxies ?? []) args.push('--trust-proxy', p)
  if (config.forwardedHeader !== undefined) args.push('--forwarded-header', config.forwardedHeader)
  if (config.requiredComponents !== undefined) args.push('--require', config.requiredComponents.join(' '))
  if (config.maxAgeSeconds !== undefined) args.push('--max-age', String(config.maxAgeSeconds))
  if (config.nonceQuota !== undefined) args.push('--nonce-quota', String(config.nonceQuota))
  return args
}

/**
 * Start every target for this file (in `beforeAll`) and stop them (in `afterAll`).
 *
 * @returns the harness; usable inside tests, once `beforeAll` has run.
 */
export function attackHarness(config: AttackConfig = {}): AttackHarness {
  let keys: AttackKeys | undefined
  const senders = new Map<TargetName, (messages: readonly HttpRequestMessage[]) => Promise<Outcome[]>>()
  const servers: Server[] = []
  let serve: ServeRunning | undefined

  beforeAll(async () => {
    const made = await makeKeys()
    keys = made.keys
    const jwksText = JSON.stringify(made.jwks)
    const verifier = async (): Promise<Verifier> => {
      const options: VerifierOptions = {
        keys: await parseJwks(jwksText, 'attack JWKS'),
        nonces: new MemoryNonceStore(config.nonceQuota === undefined ? {} : { maxEntriesPerOwner: config.nonceQuota }),
        policy: {
          requireNonce: true,
          ...(config.requiredComponents === undefined ? {} : { requiredComponents: config.requiredComponents }),
          ...(config.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: config.maxAgeSeconds }),
        },
        ...(config.authorities === undefined ? {} : { authorities: config.authorities }),
        ...(config.trustedProxies === undefined ? {} : { trustedProxies: config.trustedProxies, forwardedHeader: config.forwardedHeader ?? 'x-forwarded-for' }),
      }
      return createVerifier(options)
    }
    const loopback = (): string => '127.0.0.1'
    const answer = { 'content-type': 'application/json' }

    const fetchHandler = withSignet(await verifier(), (_request, identity) => new Response(JSON.stringify({ keyid: identity.keyid }), { headers: answer }), { clientIp: loopback })
    senders.set('fetch', async (messages) => Promise.all(messages.map(async (m) => responseOutcome(await fetchHandler(fetchRequest(m))))))

    const hono = new Hono()
    hono.use('*', signetHono(await verifier(), { clientIp: loopback }))
    hono.all('*', (c) => c.json({ keyid: c.get('signet').keyid }))
    senders.set('hono', async (messages) => Promise.all(messages.map(async (m) => responseOutcome(await hono.fetch(fetchRequest(m))))))

    const socketSender = (port: number) => async (messages: readonly HttpRequestMessage[]): Promise<Outcome[]> =>
      exchange(port, Buffer.concat(messages.map((m, i) => rawRequest(m, i === messages.length - 1))), messages.length)

    const node = createServer(withSignetNode(await verifier(), (req, res) => {
      const text = JSON.stringify({ keyid: req.signet.keyid })
      res.writeHead(200, { ...answer, 'content-length': String(Buffer.byteLength(text)) })
      res.end(text)
    }))
    servers.push(node)
    senders.set('node', socketSender(await listen(node)))

    const app = express()
    app.use(signetExpress(await verifier()))
    app.use((req, res) => void res.json({ keyid: req.signet.keyid }))
    const expressServer = createServer(app)
    servers.push(expressServer)
    senders.set('express', socketSender(await listen(expressServer)))

    const dir = mkdtempSync(join(tmpdir(), 'signet-attacks-'))
    writeFileSync(join(dir, 'keys.json'), jwksText)
    const started = await serveInProcess(['serve', '--port', '0', '--jwks', 'keys.json', ...serveArgs(config)], dir)
    if (!('port' in started)) throw new Error(`signet serve exited ${started.exit}: ${started.stderr.join('')}`)
    serve = started
    senders.set('serve', socketSender(started.port))
  })

  afterAll(async () => {
    await serve?.stop()
    for (const server of servers) {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  const sender = (target: TargetName): ((messages: readonly HttpRequestMessage[]) => Promise<Outcome[]>) => {
    const found = senders.get(target)
    if (found === undefined) throw new Error(`target ${target} is not started (use the harness inside a test)`)
    return found
  }
  return {
    get keys(): AttackKeys {
      if (keys === undefined) throw new Error('the harness is not started (use it inside a test)')
      return keys
    },
    send: async (target, message) => (await sender(target)([message]))[0] as Outcome,
    sendMany: (target, messages) => sender(target)(messages),
  }
}
