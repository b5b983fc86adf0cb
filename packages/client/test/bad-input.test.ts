/**
 * Bad input thrown at every public function: each answer is a TypeError or RangeError naming
 * what is wrong, or a coded SignetError; never an accidental crash ("cannot read properties of
 * undefined", "is not a function") and never a hang.
 */
import { isSignetError } from '@signet/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  createSigner,
  exportPublicJwk,
  generateBrowserKey,
  loadKey,
  meetAcceptSignature,
  saveKey,
  signedFetch,
} from '../src/index.ts'
import { kySigner, signetKyHooks } from '../src/ky.ts'
import { ed25519Jwk, hmacJwk } from './keys.ts'
import { importKey } from '@signet/core'

const ACCIDENT = /cannot read propert|is not a function|is not iterable|undefined is not|null is not/i

async function outcome(run: () => unknown): Promise<unknown> {
  try {
    await run()
    return undefined
  } catch (err) {
    return err
  }
}

function expectControlled(err: unknown): void {
  if (err === undefined) return
  const controlled = isSignetError(err) || err instanceof TypeError || err instanceof RangeError
  expect(controlled, String(err)).toBe(true)
  expect(String((err as Error).message)).not.toMatch(ACCIDENT)
}

describe('bad input at every public function', () => {
  it('createSigner with arbitrary options', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (options) => {
        expectControlled(await outcome(() => createSigner(options as never)))
      }),
      { numRuns: 200 },
    )
  })

  it('createSigner with arbitrary option values next to a good key', async () => {
    const names = ['alg', 'keyId', 'label', 'components', 'created', 'expires', 'nonce', 'tag', 'digest', 'backend', 'maxBodyBytes', 'now']
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...names), fc.anything(), async (name, value) => {
        const err = await outcome(async () => {
          const signer = createSigner({ key: hmacJwk, [name]: value } as never)
          await signer.sign(new Request('https://api.example/x', { method: 'POST', body: 'b' }))
        })
        expectControlled(err)
      }),
      { numRuns: 300 },
    )
  })

  it('arbitrary keys (objects, strings, bytes) fail with a code or a TypeError', async () => {
    const keys = fc.oneof(
      fc.object(),
      fc.string(),
      fc.uint8Array({ maxLength: 80 }),
      fc.record({ kty: fc.constantFrom('oct', 'OKP', 'EC', 'RSA', 'x'), crv: fc.string(), d: fc.string(), x: fc.string(), k: fc.string() }),
    )
    await fc.assert(
      fc.asyncProperty(keys, fc.option(fc.constantFrom('hmac-sha256', 'ed25519', 'ecdsa-p256-sha256')), async (key, alg) => {
        const err = await outcome(async () => {
          const signer = createSigner({ key: key as never, keyId: 'k', ...(alg === null ? {} : { alg }) })
          await signer.sign(new Request('https://api.example/x'))
        })
        expectControlled(err)
      }),
      { numRuns: 200 },
    )
  })

  it('sign() with something that is not a Request', async () => {
    const signer = createSigner({ key: hmacJwk })
    for (const value of [undefined, null, 'https://x', {}, new URL('https://x'), { url: 42, headers: {} }]) {
      const err = await outcome(() => signer.sign(value as never))
      expect(err).toBeInstanceOf(TypeError)
      expect(String(err)).toMatch(/"request"/)
    }
  })

  it('signedFetch, signetKyHooks and kySigner with a foreign signer or bad options', async () => {
    // Any object with a sign method is a signer of descriptions (issue 10: profiles' signers).
    for (const signer of [undefined, null, {}, { sign: 'not a function' }]) {
      expect(() => signedFetch(signer as never)).toThrow(/"signer"/)
      expect(() => signetKyHooks(signer as never)).toThrow(/"signer"/)
      expect(() => kySigner(signer as never)).toThrow(/"signer"/)
    }
    const signer = createSigner({ key: hmacJwk })
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('fetch', 'crossOriginRedirect', 'maxRedirects', 'clockSkewRetry', 'acceptSignature', 'verifyResponse'),
        fc.anything(),
        async (name, value) => {
          expectControlled(await outcome(() => signedFetch(signer, { [name]: value } as never)))
          expectControlled(await outcome(() => kySigner(signer, { [name]: value } as never)))
        },
      ),
      { numRuns: 200 },
    )
  })

  it('meetAcceptSignature never throws on arbitrary field text', async () => {
    const key = await importKey(ed25519Jwk)
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (text) => {
        const met = await meetAcceptSignature(text, key, 'test-key-ed25519')
        expect(met === undefined || typeof met.label === 'string').toBe(true)
      }),
      { numRuns: 300 },
    )
    expect(await meetAcceptSignature('sig1=("@method" "@status")', key, 'k')).toBeUndefined()
    expect(await meetAcceptSignature('sig1=("@method");alg="hmac-sha256"', key, 'k')).toBeUndefined()
    expect(await meetAcceptSignature('sig1=("@method");keyid="other"', key, 'k')).toBeUndefined()
    expect(await meetAcceptSignature('a=("@unknown"), b=("@path");tag="t"', key, 'k')).toMatchObject({ label: 'b', tag: 't' })
  })

  it('browser key functions with bad arguments', async () => {
    for (const value of [undefined, null, 42, 'x', {}, { publicKey: 'x' }]) {
      expectControlled(await outcome(() => exportPublicJwk(value as never)))
      expect(await outcome(() => exportPublicJwk(value as never))).toBeInstanceOf(TypeError)
    }
    const pair = await generateBrowserKey()
    // A private key alone cannot give the public JWK.
    expect(await outcome(() => exportPublicJwk(pair.privateKey))).toBeInstanceOf(TypeError)
    for (const name of [undefined, null, 42, '', 'x'.repeat(300)]) {
      expect(await outcome(() => saveKey(name as never, pair))).toBeInstanceOf(TypeError)
      expect(await outcome(() => loadKey(name as never))).toBeInstanceOf(TypeError)
    }
  })
})
