/**
 * Every Fetch body kind is digested once and the signed Request carries exactly the digested
 * bytes (RFC 9530 section 2: the digest covers the content as sent). Runs under Node and
 * happy-dom.
 */
import { fromFetchRequest, importKey, verifyMessage, verifyMessageDigest } from '@signet/core'
import { describe, expect, it } from 'vitest'
import { createSigner } from '../src/index.ts'

const URL_ = 'https://api.example/upload'
const hmacJwk = { kty: 'oct', kid: 'dom-test', k: 'uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlr_uZw' }

function toBase64(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}

async function sha(alg: 'SHA-256' | 'SHA-512', bytes: Uint8Array): Promise<string> {
  return toBase64(new Uint8Array(await crypto.subtle.digest(alg, bytes)))
}

// happy-dom's Headers iterate names in the case they were set (Fetch says lower case); core's
// fromFetchRequest keeps them as iterated, so the verifying side normalises here too.
function lowerCase<T extends { fields: readonly { name: string; value: string }[] }>(m: T): T {
  return { ...m, fields: m.fields.map((f) => ({ name: f.name.toLowerCase(), value: f.value })) }
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

interface Case {
  readonly name: string
  readonly body: () => BodyInit
  /** The expected bytes, or undefined when the runtime chooses them (multipart). */
  readonly bytes?: Uint8Array
  readonly contentType?: RegExp
}

const cases: Case[] = [
  { name: 'string (UTF-8)', body: () => 'héllo, wörld ✓', bytes: utf8('héllo, wörld ✓'), contentType: /^text\/plain;charset=utf-8$/i },
  { name: 'empty string', body: () => '', bytes: new Uint8Array(0) },
  { name: 'ArrayBuffer', body: () => Uint8Array.from([0, 1, 2, 255]).buffer, bytes: Uint8Array.from([0, 1, 2, 255]) },
  { name: 'Uint8Array', body: () => Uint8Array.from([9, 8, 7]), bytes: Uint8Array.from([9, 8, 7]) },
  {
    name: 'DataView over part of a buffer',
    body: () => new DataView(Uint8Array.from([1, 2, 3, 4, 5, 6]).buffer, 2, 3),
    bytes: Uint8Array.from([3, 4, 5]),
  },
  {
    name: 'Int16Array',
    body: () => Int16Array.from([1, -1]),
    bytes: new Uint8Array(Int16Array.from([1, -1]).buffer),
  },
  {
    name: 'Blob with a type',
    body: () => new Blob(['{"a":', Uint8Array.from([0x31]), '}'], { type: 'application/json' }),
    bytes: utf8('{"a":1}'),
    contentType: /^application\/json$/,
  },
  {
    name: 'URLSearchParams',
    body: () => new URLSearchParams([['q', 'a b&c'], ['é', '✓']]),
    bytes: utf8('q=a+b%26c&%C3%A9=%E2%9C%93'),
    contentType: /^application\/x-www-form-urlencoded;charset=utf-8$/i,
  },
  {
    name: 'ReadableStream in several chunks',
    body: () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(utf8('chunk-1,'))
          controller.enqueue(new Uint8Array(0))
          controller.enqueue(utf8('chunk-2'))
          controller.close()
        },
      }),
    bytes: utf8('chunk-1,chunk-2'),
  },
  {
    name: 'FormData with a file',
    body: () => {
      const form = new FormData()
      form.append('field', 'value ✓')
      form.append('file', new Blob([Uint8Array.from([0, 255, 13, 10])], { type: 'application/octet-stream' }), 'a.bin')
      return form
    },
    contentType: /^multipart\/form-data; ?boundary=/,
  },
]

describe('every body kind', () => {
  for (const c of cases) {
    it(`${c.name}: sent bytes = digested bytes, digest verifies, signature verifies`, async () => {
      const signer = createSigner({ key: hmacJwk })
      const body = c.body()
      const original = new Request(URL_, { method: 'POST', body, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit)
      const originalType = original.headers.get('content-type')
      const signed = await signer.sign(original)
      // Node sets bodyUsed; happy-dom leaves the drained body locked instead.
      expect(original.bodyUsed || original.body?.locked === true).toBe(true)
      await expect(signer.sign(original)).rejects.toMatchObject({ code: 'ERR_BODY_USED' })
      const sent = new Uint8Array(await signed.clone().arrayBuffer())
      if (c.bytes !== undefined) expect(sent).toEqual(c.bytes)
      expect(signed.headers.get('content-digest')).toBe(`sha-256=:${await sha('SHA-256', sent)}:`)
      const type = signed.headers.get('content-type')
      expect(type).toBe(originalType)
      if (c.contentType !== undefined) expect(type).toMatch(c.contentType)
      if (c.name.startsWith('FormData')) {
        // The boundary in the signed Content-Type is the one in the signed bytes.
        const boundary = /boundary=(.+)$/.exec(type!)![1]!
        const text = new TextDecoder().decode(sent)
        expect(text.startsWith(`--${boundary}\r\n`)).toBe(true)
        expect(text).toContain('value ✓')
        expect(text.trimEnd().endsWith(`--${boundary}--`)).toBe(true)
      }
      const message = lowerCase(await fromFetchRequest(signed))
      await verifyMessageDigest(message)
      const [result] = await verifyMessage(message, { key: await importKey(hmacJwk) })
      expect(result!.components).toContain('"content-digest"')
    })
  }

  it('sha-512 digest over the same bytes', async () => {
    const signer = createSigner({ key: hmacJwk, digest: 'sha-512' })
    const signed = await signer.sign(new Request(URL_, { method: 'POST', body: 'abc' }))
    expect(signed.headers.get('content-digest')).toBe(`sha-512=:${await sha('SHA-512', utf8('abc'))}:`)
  })
})
