/**
 * `createVerifier({ backend })`: every verification runs on the named backend. This file does not
 * import `@signet/core/pure`, so the pure backend is not registered here: naming it must refuse
 * (proof the option reaches the signature check), and naming one that is present must verify.
 */
import { describe, expect, it } from 'vitest'
import { createVerifier } from '../src/verifier.ts'
import { NOW_MS, hmacKey, requestMessage, sign } from './helpers.ts'

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
    return undefined
  } catch (error) {
    return (error as { code?: string }).code
  }
}

describe('createVerifier backend option', () => {
  it('verifies on a backend that is present, refuses on one that is not, and checks the name', async () => {
    const { key } = await hmacKey('k-backend')
    const keys = [{ id: 'k-backend', key }]
    const signed = () => requestMessage().then((m) => sign(m, key, { keyid: 'k-backend' }))

    for (const backend of ['native', 'webcrypto'] as const) {
      const verifier = createVerifier({ keys, clock: () => NOW_MS, backend })
      expect((await verifier.verify(await signed())).keyid, backend).toBe('k-backend')
    }
    const pure = createVerifier({ keys, clock: () => NOW_MS, backend: 'pure' })
    expect(await codeOf(pure.verify(await signed()))).toBe('ERR_BACKEND_UNAVAILABLE')
    // The default picks a backend that is present.
    expect((await createVerifier({ keys, clock: () => NOW_MS }).verify(await signed())).keyid).toBe('k-backend')
    expect(() => createVerifier({ keys, backend: 'fast' as never })).toThrow(TypeError)
  })
})
