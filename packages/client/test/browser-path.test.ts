/**
 * The full signer where no server runtime is detected (a browser): it signs on the lean path of
 * `@signet/core/signing` (signBasic, WebCrypto) without loading the rest of core, and its
 * signatures are byte for byte those of the server-runtime path (core's signMessage).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'

const jwk = { kty: 'oct', k: Buffer.alloc(32, 7).toString('base64url') }
const edJwk = {
  kty: 'OKP',
  crv: 'Ed25519',
  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
  d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A',
}
const input = Object.freeze({
  method: 'POST',
  url: 'https://api.example.com/v1/items?x=1',
  headers: Object.freeze({ 'content-type': 'application/json' }),
  body: '{"a":1}',
})

async function signerModule(browser: boolean): Promise<typeof import('../src/signer.ts')> {
  vi.resetModules()
  const original = process.getBuiltinModule
  if (browser) (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined
  try {
    const signerMod = await import('../src/signer.ts')
    const full = await import('../src/full-core.ts')
    expect(full.loadedFullCore()).toBeUndefined()
    return signerMod
  } finally {
    process.getBuiltinModule = original
  }
}

afterEach(() => vi.resetModules())

describe('the browser path of createSigner', () => {
  for (const [name, key, keyId] of [['HMAC', jwk, 'k1'], ['Ed25519', edJwk, undefined]] as const) {
    it(`${name}: same bytes as the server-runtime path, and the full core never loads`, async () => {
      const options = { key, keyId, nonce: false, now: () => 1_750_000_000 } as const
      const browser = await signerModule(true)
      const original = process.getBuiltinModule
      ;(process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined
      let lean
      try {
        lean = await browser.createSigner(options).sign(input)
      } finally {
        process.getBuiltinModule = original
      }
      const full = await import('../src/full-core.ts')
      // The lean path loaded nothing more: PEM, the verifier and the parsers stayed out.
      expect(full.loadedFullCore()).toBeUndefined()
      const server = await signerModule(false)
      const reference = await server.createSigner(options).sign(input)
      expect((await import('../src/full-core.ts')).loadedFullCore()).toBeDefined()
      expect(lean.headers).toEqual(reference.headers)
      expect(lean.headers['signature']).toMatch(/^sig1=:[A-Za-z0-9+/]+=*:$/)
    })
  }

  it('a component with parameters loads the full signer on that path', async () => {
    const browser = await signerModule(true)
    const original = process.getBuiltinModule
    ;(process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined
    try {
      const signer = browser.createSigner({ key: jwk, keyId: 'k1', components: ['@method', '"@query-param";name="x"'], nonce: false })
      const signed = await signer.sign(input)
      expect(signed.headers['signature-input']).toContain('"@query-param";name="x"')
    } finally {
      process.getBuiltinModule = original
    }
    expect((await import('../src/full-core.ts')).loadedFullCore()).toBeDefined()
  })
})
