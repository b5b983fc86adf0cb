import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { hasErrorCode, fromBase64Url, fromUtf8 } from '@signet/core'
import {
  KEY_ID_PATTERN, SECRET_PATTERN, assertKeyId, assertSecret, crc32, generateKeyId, generateSecret, isKeyId, isSecret,
  parseDuration, secretFromJwk, secretToJwk, checkIpEntry,
} from '@signet/registry'

const te = new TextEncoder()

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).name
  }
  return undefined
}

describe('crc32', () => {
  // Published check values: the CRC-32/ISO-HDLC entry of the CRC RevEng catalogue
  // ("123456789" -> 0xCBF43926), and zlib's crc32 of the empty string and of "a".
  it('matches the published check values', () => {
    expect(crc32(te.encode('123456789'))).toBe(0xcbf43926)
    expect(crc32(new Uint8Array(0))).toBe(0)
    expect(crc32(te.encode('a'))).toBe(0xe8b7be43)
    expect(crc32(te.encode('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339)
  })
})

describe('crc32Ascii', () => {
  it('equals crc32 of the UTF-8 bytes for any ASCII text', async () => {
    const { crc32Ascii } = await import('../src/crc32.ts')
    fc.assert(fc.property(fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)) }), (text) => crc32Ascii(text) === crc32(te.encode(text))))
    expect(() => crc32Ascii('é')).toThrow(RangeError)
  })
})

describe('key ids and secrets', () => {
  it('have the documented shape and pass their own checksum', () => {
    for (let i = 0; i < 200; i++) {
      const id = generateKeyId()
      const secret = generateSecret()
      expect(id).toMatch(/^sgn_id_[0-9A-Za-z]{28}$/)
      expect(secret).toMatch(/^sgn_sk_[0-9A-Za-z]{49}$/)
      expect(isKeyId(id)).toBe(true)
      expect(isSecret(secret)).toBe(true)
      expect(isKeyId(secret)).toBe(false)
      expect(isSecret(id)).toBe(false)
    }
  })

  it('are found by the scanner patterns inside text', () => {
    const secret = generateSecret()
    const id = generateKeyId()
    const text = `export SIGNET_SECRET="${secret}" # key ${id}\n`
    expect(SECRET_PATTERN.exec(text)?.[0]).toBe(secret)
    expect(KEY_ID_PATTERN.exec(text)?.[0]).toBe(id)
    expect(SECRET_PATTERN.test(`x${secret}`)).toBe(false) // glued to another word
  })

  it('are distinct (no repeats in 2000 draws)', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 2000; i++) seen.add(generateSecret())
    expect(seen.size).toBe(2000)
  })

  it('refuse any single-character change (checksum)', () => {
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.boolean(), (pos, ch, which) => {
        const token = which ? generateSecret() : generateKeyId()
        const i = 7 + (pos % (token.length - 7))
        const replacement = alphabet[ch % 62] as string
        fc.pre(replacement !== token[i])
        const typo = token.slice(0, i) + replacement + token.slice(i + 1)
        return which ? !isSecret(typo) : !isKeyId(typo)
      }),
      { numRuns: 2000 },
    )
  })

  it('refuse a swap of two adjacent different characters', () => {
    let refused = 0
    for (let n = 0; n < 500; n++) {
      const id = generateKeyId()
      const i = 7 + (n % 27)
      if (id[i] === id[i + 1]) continue
      const swapped = id.slice(0, i) + id[i + 1] + id[i] + id.slice(i + 2)
      if (!isKeyId(swapped)) refused++
      else throw new Error(`swap accepted: ${id} -> ${swapped}`)
    }
    expect(refused).toBeGreaterThan(400)
  })

  const badIds: unknown[] = [
    '', 'sgn_id_', 'sgn_id_0', 'sgn_sk_' + 'A'.repeat(49), 'SGN_ID_' + 'A'.repeat(28), 'sgn_id_' + 'A'.repeat(27),
    'sgn_id_' + 'A'.repeat(29), 'sgn_id_' + 'A'.repeat(27) + '-', ' sgn_id_' + 'A'.repeat(28), 'sgn_id_' + 'A'.repeat(28),
    '../../etc/passwd', 'sgn_id_' + 'é'.repeat(28), 42, null, undefined, {}, ['sgn_id_'],
  ]
  it.each(badIds.map((v) => [v]))('assertKeyId(%j) -> ERR_KEY_ID_MALFORMED', (value) => {
    expect(codeOf(() => assertKeyId(value))).toBe('ERR_KEY_ID_MALFORMED')
  })

  it('refuses malformed secrets without echoing them', () => {
    const secret = generateSecret()
    const typo = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A')
    for (const bad of [typo, secret.slice(1), secret + 'x', '', 'sgn_sk_', generateKeyId(), 7]) {
      try {
        assertSecret(bad)
        throw new Error('accepted')
      } catch (err) {
        expect(hasErrorCode(err, 'ERR_SECRET_MALFORMED')).toBe(true)
        if (typeof bad === 'string' && bad.length > 8) expect((err as Error).message).not.toContain(bad.slice(7))
      }
    }
  })

  it('JWK k is base64url of the whole secret string', () => {
    const id = generateKeyId()
    const secret = generateSecret()
    const jwk = secretToJwk(id, secret)
    expect(jwk).toEqual({ kty: 'oct', kid: id, alg: 'HS256', k: expect.any(String) })
    expect(fromUtf8(fromBase64Url(jwk.k))).toBe(secret)
    expect(secretFromJwk(jwk)).toBe(secret)
    expect(codeOf(() => secretFromJwk({ k: 'AAAA' }))).toBe('ERR_SECRET_MALFORMED')
    expect(codeOf(() => secretToJwk('nope', secret))).toBe('ERR_KEY_ID_MALFORMED')
  })
})

describe('durations and IP entries', () => {
  it('parses durations', () => {
    expect(parseDuration('90d')).toBe(90 * 86400)
    expect(parseDuration('12h')).toBe(43200)
    expect(parseDuration('30m')).toBe(1800)
    expect(parseDuration('45s')).toBe(45)
    expect(parseDuration('2w')).toBe(1209600)
    for (const bad of ['', '0d', '-5d', '1.5h', '10', 'd', '10y', '1e3s', '9999999999d']) {
      expect(codeOf(() => parseDuration(bad))).toBe('ERR_USAGE')
    }
  })

  it('accepts addresses and CIDR ranges, v4 and v6', () => {
    for (const ok of ['10.0.0.1', '10.0.0.0/8', '0.0.0.0/0', '192.168.1.0/24', '::1', '2001:db8::/32', '::/0', '::ffff:10.0.0.1', ' 10.0.0.1 ']) {
      expect(checkIpEntry(ok, 'allowIps')).toBe(ok.trim())
    }
  })

  it('refuses anything else with ERR_INVALID_IP_RANGE', () => {
    for (const bad of ['', 'localhost', '10.0.0', '10.1', '0x7f.0.0.1', '256.0.0.1', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/-1',
      '2001:db8::/129', '2001:db8:::1', '10.0.0.0/8/8', '10.0.0.1 10.0.0.2', 'fe80::1%eth0/64']) {
      expect(codeOf(() => checkIpEntry(bad, 'allowIps'))).toBe('ERR_INVALID_IP_RANGE')
    }
  })
})
