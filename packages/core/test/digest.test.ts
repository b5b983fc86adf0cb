/**
 * RFC 9530 digests: the published Content-Digest and Repr-Digest examples, then
 * round trips, Want-* parsing and bad inputs.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fromHex, utf8 } from '../src/bytes.ts'
import {
  createContentDigest,
  createReprDigest,
  parseWantDigest,
  selectDigestAlgorithm,
  verifyContentDigest,
  verifyMessageDigest,
  verifyReprDigest,
} from '../src/digest.ts'
import { parseHttpMessage } from '../src/message/index.ts'
import { vectors } from './rfc9421-vectors.ts'

describe('RFC 9530 / RFC 9421 digest examples', () => {
  for (const ex of vectors.content_digest_examples) {
    if (ex.body_hex === undefined) {
      it(`${ex.section}: ${ex.field_member.slice(0, 24)} is a parsing example only`, async () => {
        // No body is given (unverifiable) or the encoding is invalid: it must never verify.
        await expect(verifyContentDigest(ex.field_member, utf8('{"hello": "world"}\n'))).rejects.toMatchObject({
          code: expect.stringMatching(/^ERR_(DIGEST_MISMATCH|MALFORMED_FIELD)$/),
        })
      })
      continue
    }
    const body = fromHex(ex.body_hex)
    it(`${ex.section} ${ex.algorithm}: ${ex.computed_matches ? 'matches' : 'does not match'}`, async () => {
      if (ex.computed_matches) {
        expect(await createContentDigest(body, [ex.algorithm as 'sha-256'])).toBe(ex.field_member)
        await verifyContentDigest(ex.field_member, body)
        await verifyReprDigest(ex.field_member, body)
      } else {
        await expect(verifyContentDigest(ex.field_member, body)).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' })
      }
    })
  }
  it('the B.2 test-response draft value fails, the published one holds', async () => {
    const v = vectors.messages['test-response']!
    const m = parseHttpMessage(v.raw_crlf)
    await verifyMessageDigest(m)
    const wrong = parseHttpMessage(v.raw_crlf.replace(/Content-Digest: [^\r]*/, `Content-Digest: ${v.draft_content_digest_wrong}`))
    await expect(verifyMessageDigest(wrong)).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' })
  })
})

describe('digest fields', () => {
  it('several algorithms, in order', async () => {
    const body = utf8('{"hello": "world"}')
    const both = await createContentDigest(body, ['sha-256', 'sha-512'])
    expect(both).toBe(
      'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    )
    await verifyContentDigest(both, body)
    expect(await createReprDigest(body)).toBe('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:')
  })
  it('unsupported algorithms are ignored, but one supported is needed', async () => {
    const body = utf8('x')
    const good = await createContentDigest(body)
    await verifyContentDigest('md5=:AAAA:, ' + good, body)
    await expect(verifyContentDigest('md5=:AAAA:, sha=:AAAA:', body)).rejects.toMatchObject({ code: 'ERR_DIGEST_UNSUPPORTED' })
  })
  it('every supported digest must match', async () => {
    const body = utf8('x')
    const good = await createContentDigest(body)
    const other = await createContentDigest(utf8('y'), ['sha-512'])
    await expect(verifyContentDigest(good + ', ' + other, body)).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' })
  })
  const bad: [string, string][] = [
    ['sha-256=abc', 'ERR_MALFORMED_FIELD'],
    ['sha-256="abc"', 'ERR_MALFORMED_FIELD'],
    ['sha-256=:abc', 'ERR_MALFORMED_FIELD'],
    ['SHA-256=:AAAA:', 'ERR_MALFORMED_FIELD'],
    ['sha-256=:AAAA:,', 'ERR_MALFORMED_FIELD'],
    ['sha-256=(:AAAA:)', 'ERR_MALFORMED_FIELD'],
    ['sha-256=:AAAA:', 'ERR_DIGEST_MISMATCH'],
    ['', 'ERR_DIGEST_UNSUPPORTED'],
    ['sha-256=:' + 'A'.repeat(5000) + ':', 'ERR_FIELD_TOO_LARGE'],
  ]
  for (const [value, code] of bad) {
    it(`bad Content-Digest ${JSON.stringify(value.slice(0, 30))} -> ${code}`, async () => {
      await expect(verifyContentDigest(value, utf8('x'))).rejects.toMatchObject({ code })
    })
  }
  it('misuse is a TypeError', async () => {
    await expect(createContentDigest(utf8('x'), ['md5' as never])).rejects.toThrow(TypeError)
    await expect(createContentDigest('x' as never)).rejects.toThrow(TypeError)
    await expect(createContentDigest(utf8('x'), [])).rejects.toThrow(TypeError)
  })
  it('verifyMessageDigest needs the field', async () => {
    await expect(verifyMessageDigest(parseHttpMessage('POST / HTTP/1.1\nHost: h\n\nbody'))).rejects.toMatchObject({ code: 'ERR_DIGEST_MISSING' })
  })
  it('property: verify(create(body)) holds and a changed byte fails', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), fc.constantFrom('sha-256' as const, 'sha-512' as const), async (body, at, alg) => {
        const field = await createContentDigest(body, [alg])
        await verifyContentDigest(field, body)
        const changed = body.slice()
        const i = at % body.length
        changed[i] = (changed[i]! ^ 1) & 0xff
        await expect(verifyContentDigest(field, changed)).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' })
      }),
      { numRuns: 100 },
    )
  })
})

describe('Want-Content-Digest / Want-Repr-Digest (RFC 9530 section 4)', () => {
  it('orders by preference and drops 0', () => {
    expect(parseWantDigest('sha-256=1, sha-512=3, md5=0')).toEqual([
      { algorithm: 'sha-512', preference: 3 },
      { algorithm: 'sha-256', preference: 1 },
    ])
    expect(selectDigestAlgorithm(parseWantDigest('unixsum=10, sha-256=2'))).toBe('sha-256')
    expect(selectDigestAlgorithm(parseWantDigest('unixsum=10'))).toBeUndefined()
  })
  for (const bad of ['sha-256=11', 'sha-256=-1', 'sha-256=1.5', 'sha-256="1"', 'sha-256', 'sha-256=1,', '=1']) {
    it(`bad Want-Digest ${bad}`, () => {
      expect(() => parseWantDigest(bad)).toThrow(expect.objectContaining({ code: 'ERR_MALFORMED_FIELD' }))
    })
  }
})
