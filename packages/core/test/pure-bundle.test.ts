/**
 * The pure backend stays out of bundles that do not ask for it: an application that signs with
 * HMAC or Ed25519 through @signet/core carries no @noble/curves, no BigInt RSA and no static
 * node:crypto import; `import '@signet/core/pure'` (a bare import, the documented way to enable
 * the fallback) is kept by the bundler and brings them in. Bundled from the sources with
 * esbuild, resolving @signet/core through the repository's tsconfig paths and package.json
 * (so "sideEffects" applies as it would for an application).
 */
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../../', import.meta.url))

async function bundle(contents: string): Promise<{ inputs: string[]; text: string; warnings: string[] }> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  const output = Object.values(result.metafile.outputs)[0]!
  const inputs = Object.entries(output.inputs)
    .filter(([, info]) => info.bytesInOutput > 0)
    .map(([file]) => file)
  return { inputs, text: result.outputFiles[0]!.text, warnings: result.warnings.map((w) => w.text) }
}

const staticNodeCrypto = /(?:from\s*|import\s*\(\s*|require\s*\(\s*)["'](?:node:)?crypto["']/

describe('pure backend: bundle contents', () => {
  it('an HMAC/Ed25519 signing bundle carries no pure backend, noble curves, BigInt RSA or node:crypto import', async () => {
    const { inputs, text } = await bundle(`
      import { importKey, signBytes } from '@signet/core'
      export async function sign(secret: Uint8Array, data: Uint8Array) {
        return signBytes(await importKey(secret, { alg: 'hmac-sha256' }), data)
      }
      export async function signEd(jwk: JsonWebKey, data: Uint8Array) {
        return signBytes(await importKey(jwk, { alg: 'ed25519' }), data)
      }`)
    expect(inputs.some((f) => f.includes('packages/core/src/keys'))).toBe(true)
    expect(inputs.filter((f) => /backends\/(pure|rsa)|@noble\/curves/.test(f))).toEqual([])
    expect(text).not.toContain('RSA modulus too small')
    expect(staticNodeCrypto.test(text)).toBe(false)
  })

  it('a bare import of @signet/core/pure is kept and brings the pure backend in', async () => {
    const { inputs, text, warnings } = await bundle(`import '@signet/core/pure'`)
    expect(warnings.filter((w) => w.includes('no side effects'))).toEqual([])
    expect(inputs.some((f) => f.endsWith('packages/core/src/backends/pure.ts'))).toBe(true)
    expect(inputs.some((f) => f.includes('backends/rsa/rsassa.ts'))).toBe(true)
    expect(inputs.some((f) => f.includes('@noble/curves'))).toBe(true)
    expect(text).toContain('RSA modulus too small')
    expect(staticNodeCrypto.test(text)).toBe(false)
  })
})
