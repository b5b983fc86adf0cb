/**
 * The one runtime-detection module.
 *
 * `node:crypto` is reached only through `process.getBuiltinModule` (Node >= 20.16, Bun, Deno),
 * never by a static import, so browser and Worker bundlers see no Node import and no shim is
 * pulled in. WebCrypto is `globalThis.crypto.subtle`. Everything else in Signet asks this module
 * what the runtime offers instead of probing globals itself.
 *
 * The Node types are declared structurally here (only what the native backend uses) so the
 * published types do not depend on `@types/node`.
 *
 * @module
 */

/** A node:crypto KeyObject, as far as Signet uses it. */
export interface NodeKeyObject {
  readonly type: 'secret' | 'public' | 'private'
  export(options: { format: 'jwk' }): JsonWebKey
}

/** Input accepted by node:crypto's `sign`/`verify` besides a bare KeyObject. */
export interface NodeSignKeyInput {
  readonly key: NodeKeyObject
  readonly padding?: number
  readonly saltLength?: number
  readonly dsaEncoding?: 'der' | 'ieee-p1363'
}

/** A node:crypto Hmac or Hash object. */
export interface NodeDigester {
  update(data: Uint8Array): NodeDigester
  digest(): Uint8Array
}

/** The subset of node:crypto used by the native backend. */
export interface NodeCrypto {
  createHmac(algorithm: string, key: NodeKeyObject): NodeDigester
  createHash(algorithm: string): NodeDigester
  createSecretKey(key: Uint8Array): NodeKeyObject
  createPrivateKey(input: { key: JsonWebKey; format: 'jwk' } | { key: Uint8Array; format: 'der'; type: 'pkcs8' }): NodeKeyObject
  createPublicKey(input: { key: JsonWebKey; format: 'jwk' } | NodeKeyObject): NodeKeyObject
  sign(algorithm: string | null, data: Uint8Array, key: NodeKeyObject | NodeSignKeyInput): Uint8Array
  verify(algorithm: string | null, data: Uint8Array, key: NodeKeyObject | NodeSignKeyInput, signature: Uint8Array): boolean
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean
  generateKeyPair(
    type: string,
    options: Record<string, unknown>,
    callback: (error: Error | null, publicKey: NodeKeyObject, privateKey: NodeKeyObject) => void,
  ): void
  readonly constants: { readonly RSA_PKCS1_PSS_PADDING: number }
}

interface ProcessLike {
  readonly getBuiltinModule?: (id: string) => unknown
}

let cachedNode: NodeCrypto | null | undefined

/**
 * Cloudflare Workers with `nodejs_compat` offer a node:crypto whose `sign`/`verify` refuse the
 * `{ key, padding, saltLength, dsaEncoding }` form (measured: workerd 2026-07, RSA-PSS and ECDSA
 * fail while reporting `process.release.name === 'node'`). WebCrypto there is the platform's
 * own implementation, so Workers use it for everything.
 */
function isWorkerd(): boolean {
  return (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent === 'Cloudflare-Workers'
}

/**
 * node:crypto when the runtime offers a complete one through `process.getBuiltinModule`, else
 * undefined. Looked up once.
 */
export function nodeCrypto(): NodeCrypto | undefined {
  if (cachedNode === undefined) {
    let found: NodeCrypto | null = null
    try {
      const proc = isWorkerd() ? undefined : (globalThis as { process?: ProcessLike }).process
      const mod = proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined
      if (mod !== undefined && typeof mod.createHmac === 'function' && typeof mod.createPrivateKey === 'function') found = mod
    } catch {
      found = null
    }
    cachedNode = found
  }
  return cachedNode ?? undefined
}

/** `crypto.subtle` when the runtime offers it (browsers in secure contexts, Node, Deno, Bun, Workers). */
export function subtleCrypto(): SubtleCrypto | undefined {
  const c = (globalThis as { crypto?: Crypto }).crypto
  return typeof c?.subtle?.sign === 'function' ? c.subtle : undefined
}

/**
 * Test hook: pretend node:crypto is absent (`false`) or restore detection (`undefined`).
 * Lets the suite exercise the WebCrypto-only path on Node.
 *
 * @internal
 */
export function setNodeCryptoForTesting(value: false | undefined): void {
  cachedNode = value === false ? null : undefined
}
