/**
 * The Signet conformance suite: RFC 9421 and RFC 9530 published examples, run against any
 * copy of `@signet/core` handed in as a parameter.
 *
 * The same cases run under vitest (on the sources) and, through test/runtimes, against the
 * built package in Deno, Bun, workerd and Chromium. The suite does no I/O: each host reads
 * test/vectors/rfc9421-vectors.json (the repository's copy) and passes the parsed file in. When
 * a host passes no vectors, only the generated-key round trips run (the host says so).
 *
 * Sources of the oracle: RFC 9421 Appendix B (B.2.1-B.2.6, B.3, B.4) and Sections 2.1-2.5,
 * 3.2, 4.3; RFC 9530 Section 2 and Appendices B and D; each case names its section.
 *
 * @module
 */
import type * as Core from '@signet/core'
import { defineBadInputs } from './bad-inputs.ts'
import { type ConformanceCase, equal, ok, rejectsWith } from './harness.ts'
import {
  type SignatureExample,
  type VectorFile,
  type VectorKey,
  type VectorMessage,
  fromBase64,
  fromHex,
  isSigned,
  messageText,
  parameterOrder,
  publicJwk,
  toBase64,
  utf8,
} from './vectors.ts'

/** The library under test: `@signet/core` from sources or from its built `dist`. */
export type CoreLibrary = typeof Core
type SignetKey = Core.SignetKey
type HttpMessage = Core.HttpMessage
type HttpRequestMessage = Core.HttpRequestMessage
type AlgorithmName = Core.AlgorithmName

/** The six algorithms of RFC 9421 section 3.3 that Signet implements. */
export const ALGORITHMS: readonly AlgorithmName[] = [
  'hmac-sha256',
  'ed25519',
  'rsa-pss-sha512',
  'rsa-v1_5-sha256',
  'ecdsa-p256-sha256',
  'ecdsa-p384-sha384',
]

/** Unix seconds used as "now" by the generated-key round trips. */
const NOW = 1_750_000_000

/** Field types the vectors use that are not registered structured fields (RFC 9421 section 2.1.1). */
const FIELD_TYPES = { 'example-dict': 'dictionary' } as const

/** The `created` parameter of a serialized `@signature-params` value. */
const createdOf = (signatureParams: string): number => {
  const found = /;created=(\d+)/.exec(signatureParams)
  if (found?.[1] === undefined) throw new Error(`no created in ${signatureParams}`)
  return Number(found[1])
}

/** The serialized identifiers as ComponentIdentifier objects. */
const identifiers = (lib: CoreLibrary, list: readonly string[]): Core.ComponentIdentifier[] =>
  list.map((text) => lib.parseComponentIdentifier(text))

/** Flips one bit in the middle of a base64 signature. */
const tamperedBase64 = (b64: string): string => {
  const bytes = fromBase64(b64)
  const i = bytes.length >> 1
  bytes[i] = (bytes[i] ?? 0) ^ 0x01
  return toBase64(bytes)
}

/**
 * Everything the cases share: parsed messages and imported keys, built lazily and kept,
 * so a failing import fails the cases that need it and not the whole run.
 */
class Fixtures {
  readonly #lib: CoreLibrary
  readonly #vectors: VectorFile
  readonly #keys = new Map<string, Promise<SignetKey>>()

  constructor(lib: CoreLibrary, vectors: VectorFile) {
    this.#lib = lib
    this.#vectors = vectors
  }

  vectorMessage(name: string): VectorMessage {
    const found = this.#vectors.messages[name]
    if (found === undefined) throw new Error(`vector message ${name} is missing`)
    return found
  }

  vectorKey(kid: string): VectorKey {
    const found = this.#vectors.keys[kid]
    if (found === undefined) throw new Error(`vector key ${kid} is missing`)
    return found
  }

  /** Parses a vector message (text built from its field list) with its related request. */
  parse(name: string, text?: string): HttpMessage {
    const message = this.vectorMessage(name)
    const related = message.request === undefined ? undefined : (this.parse(message.request) as HttpRequestMessage)
    return this.#lib.parseHttpMessage(text ?? messageText(message), {
      scheme: message.scheme ?? 'https',
      ...(related === undefined ? {} : { request: related }),
    })
  }

  /** The signed message of an example (B.2.x examples append the two fields to test-request). */
  signedText(example: SignatureExample, signatureB64 = example.signature_b64): string {
    const message = this.vectorMessage(example.message)
    if (isSigned(message)) return messageText(message).split(example.signature_b64).join(signatureB64)
    return messageText(message, {
      add: [
        ['Signature-Input', example.signature_input],
        ['Signature', `${example.label}=:${signatureB64}:`],
      ],
    })
  }

  /**
   * A test key in one form: `pem` (public or private PEM; the raw secret for HMAC) or `jwk`.
   * `alg` is passed because an RSA key alone does not say which RSA algorithm it is for.
   */
  key(kid: string, alg: string, form: 'pem' | 'jwk', part: 'public' | 'private'): Promise<SignetKey> {
    const id = `${kid}|${alg}|${form}|${part}`
    let found = this.#keys.get(id)
    if (found === undefined) {
      const vk = this.vectorKey(kid)
      const options = { alg: alg as AlgorithmName, kid }
      let input: JsonWebKey | string | Uint8Array
      if (form === 'jwk') input = part === 'public' ? publicJwk(vk.jwk) : vk.jwk
      else if (vk.base64 !== undefined) input = fromBase64(vk.base64)
      else {
        const pem = part === 'public' ? vk.public_pem : vk.private_pem
        if (pem === undefined) throw new Error(`vector key ${kid} has no ${part} PEM`)
        input = pem
      }
      found = this.#lib.importKey(input, options)
      this.#keys.set(id, found)
    }
    return found
  }
}

/** Key forms, as the issue names them: PEM (raw bytes for the HMAC secret) and JWK. */
const FORMS = ['pem', 'jwk'] as const
const formName = (vk: VectorKey, form: 'pem' | 'jwk'): string =>
  form === 'jwk' ? 'JWK' : vk.base64 !== undefined ? 'raw secret' : 'PEM'

function signatureCases(lib: CoreLibrary, fx: Fixtures, vectors: VectorFile): ConformanceCase[] {
  const cases: ConformanceCase[] = []
  for (const ex of vectors.examples) {
    const tag = `RFC 9421 ${ex.id} (${ex.alg})`
    const created = createdOf(ex.signature_params)
    const now = (): number => created

    cases.push({
      name: `${tag}: signature base reproduces`,
      run: async () => {
        const message = fx.parse(ex.message, fx.signedText(ex))
        const member = lib.parseSignatureInput([ex.signature_input]).get(ex.label)
        ok(member !== undefined, `Signature-Input member ${ex.label} parsed`)
        equal(member.serialized, ex.signature_params, '@signature-params kept byte for byte')
        const base = lib.createSignatureBase(message, identifiers(lib, ex.covered_components), ex.signature_params)
        equal(base, ex.signature_base, 'signature base')
      },
    })

    for (const form of FORMS) {
      const vk = fx.vectorKey(ex.keyid)
      cases.push({
        name: `${tag}: verifies with the ${formName(vk, form)} key`,
        run: async () => {
          const key = await fx.key(ex.keyid, ex.alg, form, 'public')
          const message = fx.parse(ex.message, fx.signedText(ex))
          const results = await lib.verifyMessage(message, { key, label: ex.label, now })
          equal(results.length, 1, 'verified signatures')
          const [result] = results
          equal(result?.label, ex.label, 'label')
          equal(result?.alg, ex.alg as AlgorithmName, 'alg')
          equal(result?.keyid, ex.keyid, 'keyid')
        },
      })
    }

    cases.push({
      name: `${tag}: a one-bit change to the signature fails`,
      run: async () => {
        const key = await fx.key(ex.keyid, ex.alg, 'jwk', 'public')
        const message = fx.parse(ex.message, fx.signedText(ex, tamperedBase64(ex.signature_b64)))
        await rejectsWith(() => lib.verifyMessage(message, { key, label: ex.label, now }), 'ERR_SIGNATURE_INVALID', 'tampered signature')
      },
    })

    if (ex.deterministic) {
      for (const form of FORMS) {
        const vk = fx.vectorKey(ex.keyid)
        cases.push({
          name: `${tag}: re-signs byte for byte with the ${formName(vk, form)} key`,
          run: async () => {
            const key = await fx.key(ex.keyid, ex.alg, form, 'private')
            const unsigned = fx.parse(ex.message, messageText(fx.vectorMessage(ex.message), { drop: ['signature-input', 'signature'] }))
            const member = lib.parseSignatureInput([ex.signature_input]).get(ex.label)
            ok(member !== undefined, `Signature-Input member ${ex.label} parsed`)
            const order = parameterOrder(ex.signature_params)
            const p = member.params
            const result = await lib.signMessage(unsigned, {
              key,
              label: ex.label,
              components: identifiers(lib, ex.covered_components),
              created: typeof p.created === 'number' ? p.created : null,
              ...(typeof p.expires === 'number' ? { expires: p.expires } : {}),
              ...(typeof p.nonce === 'string' ? { nonce: p.nonce } : {}),
              ...(typeof p.tag === 'string' ? { tag: p.tag } : {}),
              keyid: typeof p.keyid === 'string' ? p.keyid : null,
              alg: order.includes('alg'),
              paramOrder: order,
            })
            equal(result.base, ex.signature_base, 'signature base')
            // S4.3 prints two members in each field; the re-signed one is ours.
            equal(result.signatureInput, `${ex.label}=${ex.signature_params}`, 'Signature-Input member')
            equal(result.signature, `${ex.label}=:${ex.signature_b64}:`, 'Signature member')
          },
        })
      }
    }

    for (const variant of ex.message_variants ?? []) {
      if (variant.message === ex.message) continue
      cases.push({
        name: `${tag}: transformed message ${variant.message} is ${variant.expect}`,
        run: async () => {
          const key = await fx.key(ex.keyid, ex.alg, 'jwk', 'public')
          const message = fx.parse(variant.message)
          const verify = (): Promise<unknown> => lib.verifyMessage(message, { key, label: ex.label, now })
          if (variant.expect === 'valid') {
            const results = await lib.verifyMessage(message, { key, label: ex.label, now })
            equal(results.length, 1, `verified signatures (${variant.why})`)
          } else {
            await rejectsWith(verify, 'ERR_SIGNATURE_INVALID', variant.why)
          }
        },
      })
    }
  }

  // RFC 9421 B.2.2 through the Fetch builder: the covered components (@authority,
  // content-digest, @query-param) survive a Fetch Request, which forbids setting Date or Host.
  const b22 = vectors.examples.find((ex) => ex.id === 'B.2.2')
  if (b22 !== undefined) {
    cases.push({
      name: 'RFC 9421 B.2.2 (rsa-pss-sha512): verifies when built from a Fetch Request',
      run: async () => {
        const m = fx.vectorMessage(b22.message)
        const headers = new Headers()
        for (const [name, value] of m.headers) {
          if (!['host', 'content-length', 'date'].includes(name.toLowerCase())) headers.append(name, value)
        }
        headers.append('Signature-Input', b22.signature_input)
        headers.append('Signature', b22.signature)
        const target = m.start_line.split(' ')[1] ?? '/'
        const request = new Request(`https://example.com${target}`, { method: 'POST', headers, body: m.body })
        const message = await lib.fromFetchRequest(request)
        const key = await fx.key(b22.keyid, b22.alg, 'pem', 'public')
        const results = await lib.verifyMessage(message, { key, label: b22.label, now: () => createdOf(b22.signature_params) })
        equal(results[0]?.keyid, b22.keyid, 'keyid')
      },
    })
  }
  return cases
}

function componentCases(lib: CoreLibrary, vectors: VectorFile): ConformanceCase[] {
  const cases: ConformanceCase[] = []
  vectors.component_examples.forEach((ex, index) => {
    const input = ex.input
    if (input.raw_fields === undefined && input.raw_message === undefined) {
      // RFC 9421 section 2.3: a serialized @signature-params value, kept verbatim.
      for (const line of ex.expected_base_lines) {
        cases.push({
          name: `RFC 9421 ${ex.section}: @signature-params ${line.slice(0, 40)}... kept byte for byte`,
          run: async () => {
            const member = lib.parseSignatureInput([`sig1=${line}`]).get('sig1')
            ok(member !== undefined, 'member sig1 parsed')
            equal(member.serialized, line, 'serialized @signature-params')
            const message = lib.parseHttpMessage('HTTP/1.1 200 OK\r\n\r\n')
            const base = lib.createSignatureBase(message, [], line)
            equal(base, `"@signature-params": ${line}`, 'signature base')
          },
        })
      }
      return
    }
    // Bare field lines become a response (which needs no Host) so that only the listed
    // fields are present.
    const text = input.raw_message ?? `HTTP/1.1 200 OK\n${input.raw_fields}\n\n`
    ex.expected_base_lines.forEach((line, lineIndex) => {
      const split = line.indexOf(': ')
      const idText = line.slice(0, split)
      cases.push({
        name: `RFC 9421 ${ex.section} #${index + 1}.${lineIndex + 1}: ${idText} canonicalizes`,
        run: async () => {
          const message = lib.parseHttpMessage(text, { scheme: input.scheme ?? 'https' })
          const id = lib.parseComponentIdentifier(idText)
          equal(lib.serializeComponentIdentifier(id), idText, 'identifier round trip')
          const value = lib.componentValue(message, id, { fieldTypes: FIELD_TYPES })
          equal(`${idText}: ${value}`, line, 'base line')
        },
      })
    })
  })
  return cases
}

function digestCases(lib: CoreLibrary, vectors: VectorFile): ConformanceCase[] {
  const cases: ConformanceCase[] = []
  const bodyOf = (hex: string | undefined, text: string | undefined): Uint8Array =>
    hex !== undefined ? fromHex(hex) : utf8(text ?? '')
  // The body the two bodiless RFC 9530 members were printed beside: {"hello": "world"} + LF.
  const helloLf = utf8('{"hello": "world"}\n')
  const algorithm = (name: string): 'sha-256' | 'sha-512' => {
    if (name !== 'sha-256' && name !== 'sha-512') throw new Error(`unexpected digest algorithm ${name}`)
    return name
  }
  vectors.content_digest_examples.forEach((ex, index) => {
    const name = `${ex.section} #${index + 1} (${ex.algorithm})`
    if (ex.computed_matches === true) {
      const body = bodyOf(ex.body_hex, ex.body)
      cases.push({
        name: `${name}: Content-Digest is created`,
        run: async () => {
          equal(await lib.createContentDigest(body, [algorithm(ex.algorithm)]), ex.field_member, 'Content-Digest')
        },
      })
      cases.push({
        name: `${name}: Content-Digest verifies, and fails for a changed body`,
        run: async () => {
          await lib.verifyContentDigest(ex.field_member, body)
          const changed = new Uint8Array(body.length + 1)
          changed.set(body)
          changed[body.length] = 0x20
          await rejectsWith(() => lib.verifyContentDigest(ex.field_member, changed), 'ERR_DIGEST_MISMATCH', 'changed body')
        },
      })
    } else if (ex.computed_matches === false) {
      const body = bodyOf(ex.body_hex, ex.body)
      cases.push({
        name: `${name}: the wrong Content-Digest is rejected`,
        run: async () => {
          await rejectsWith(() => lib.verifyContentDigest(ex.field_member, body), 'ERR_DIGEST_MISMATCH', 'wrong digest')
        },
      })
    } else if (ex.status === 'invalid-encoding') {
      // RFC 9530 B.5/B.6/B.11 print a 32-byte digest with "==" padding: not a valid byte
      // sequence for its length; a strict parser refuses it, or at least the check fails.
      cases.push({
        name: `${name}: the mis-padded member is rejected`,
        run: async () => {
          await rejectsWith(() => lib.verifyContentDigest(ex.field_member, helloLf), ['ERR_MALFORMED_FIELD', 'ERR_DIGEST_MISMATCH'], 'mis-padded member')
        },
      })
    } else {
      // RFC 9530 section 2 multi-algorithm example: the sha-256 member is not the digest of
      // the body printed beside it (see the vector note); it must not verify against it.
      cases.push({
        name: `${name}: the unverifiable member does not match its printed body`,
        run: async () => {
          await rejectsWith(() => lib.verifyContentDigest(ex.field_member, helloLf), 'ERR_DIGEST_MISMATCH', 'unverifiable member')
        },
      })
    }
  })
  return cases
}

/** Every vector message that carries Content-Digest: the field matches its body (RFC 9530). */
function messageDigestCases(lib: CoreLibrary, fx: Fixtures, vectors: VectorFile): ConformanceCase[] {
  const cases: ConformanceCase[] = []
  for (const [name, message] of Object.entries(vectors.messages)) {
    const digest = message.headers.find(([field]) => field.toLowerCase() === 'content-digest')
    if (digest === undefined) continue
    cases.push({
      name: `${message.source ?? name}: the message's Content-Digest matches its body`,
      run: async () => {
        await lib.verifyMessageDigest(fx.parse(name))
      },
    })
  }
  // RFC 9421 B.2 test-response: the final draft printed a Content-Digest that is not the digest
  // of the body; the published RFC corrected it. The draft value must fail.
  const response = vectors.messages['test-response'] as ({ draft_content_digest_wrong?: string } & VectorFile['messages'][string]) | undefined
  const wrong = response?.draft_content_digest_wrong
  if (response !== undefined && wrong !== undefined) {
    cases.push({
      name: 'RFC 9421 B.2 test-response: the draft Content-Digest fails on the message',
      run: async () => {
        const headers = response.headers.map(([field, value]): [string, string] => [field, field.toLowerCase() === 'content-digest' ? wrong : value])
        const text = messageText({ ...response, headers })
        await rejectsWith(() => lib.verifyMessageDigest(lib.parseHttpMessage(text)), 'ERR_DIGEST_MISMATCH', 'draft Content-Digest')
      },
    })
  }
  return cases
}

function syntaxCases(lib: CoreLibrary, vectors: VectorFile): ConformanceCase[] {
  const fields = vectors.syntax_examples['S4.1/4.2 Signature-Input and Signature fields']
  if (fields?.signature_input === undefined || fields.signature === undefined) return []
  const { signature_input: input, signature } = fields
  return [
    {
      name: 'RFC 9421 4.1/4.2: Signature-Input and Signature parse; the member re-serializes',
      run: async () => {
        const members = lib.parseSignatureInput([input])
        const member = members.get('sig1')
        ok(member !== undefined, 'member sig1')
        equal(`sig1=${member.serialized}`, input, 'Signature-Input member')
        equal(member.components.length, 5, 'covered components')
        equal(member.params.created, 1618884475, 'created')
        equal(member.params.keyid, 'test-key-rsa-pss', 'keyid')
        const values = lib.parseSignatureField([signature])
        equal(values.get('sig1')?.length, 256, 'signature bytes')
      },
    },
  ]
}

/** Generated keys, every algorithm: sign, verify, and the failures that must follow a change. */
function roundTripCases(lib: CoreLibrary): ConformanceCase[] {
  const request = [
    'POST /foo?param=Value&Pet=dog HTTP/1.1',
    'Host: example.com',
    'Date: Tue, 20 Apr 2021 02:07:55 GMT',
    'Content-Type: application/json',
    'Content-Digest: sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:',
    'Content-Length: 18',
  ]
  const body = '{"hello": "world"}'
  const text = (lines: readonly string[]): string => lines.join('\r\n') + '\r\n\r\n' + body
  const covered = ['"@method"', '"@target-uri"', '"@authority"', '"content-digest"', '"content-type"', '"@query-param";name="Pet"']
  const pairs = new Map<AlgorithmName, Promise<{ key: SignetKey; verifyKey: SignetKey }>>()
  const pair = (alg: AlgorithmName): Promise<{ key: SignetKey; verifyKey: SignetKey }> => {
    let found = pairs.get(alg)
    if (found === undefined) {
      found = lib.generateKey(alg, { kid: `rt-${alg}`, extractable: true }).then((key) => ({
        key,
        verifyKey: key.type === 'secret' ? key : lib.publicKey(key),
      }))
      pairs.set(alg, found)
    }
    return found
  }
  const sign = async (alg: AlgorithmName): Promise<Core.SignatureResult> => {
    const { key } = await pair(alg)
    return lib.signMessage(lib.parseHttpMessage(text(request)), {
      key,
      label: 'sig1',
      components: identifiers(lib, covered),
      created: NOW,
      nonce: `nonce-${alg}`,
      keyid: `rt-${alg}`,
    })
  }
  const signed = (result: Core.SignatureResult, lines: readonly string[] = request): HttpMessage =>
    lib.parseHttpMessage(text([...lines, `Signature-Input: ${result.signatureInput}`, `Signature: ${result.signature}`]))

  const cases: ConformanceCase[] = []
  for (const alg of ALGORITHMS) {
    cases.push({
      name: `round trip ${alg}: a generated key signs and verifies`,
      run: async () => {
        const { verifyKey } = await pair(alg)
        const result = await sign(alg)
        ok(result.signatureInput.startsWith('sig1=('), 'Signature-Input member starts with the label')
        const [verified] = await lib.verifyMessage(signed(result), { key: verifyKey, now: () => NOW + 5, maxAgeSeconds: 300 })
        equal(verified?.alg, alg, 'alg')
        equal(verified?.keyid, `rt-${alg}`, 'keyid')
        equal(verified?.params.nonce, `nonce-${alg}`, 'nonce')
      },
    })
    cases.push({
      name: `round trip ${alg}: a changed covered component fails`,
      run: async () => {
        const { verifyKey } = await pair(alg)
        const result = await sign(alg)
        const changed = request.map((l) => (l.startsWith('Content-Type:') ? 'Content-Type: text/plain' : l))
        await rejectsWith(() => lib.verifyMessage(signed(result, changed), { key: verifyKey, now: () => NOW }), 'ERR_SIGNATURE_INVALID', 'changed content-type')
        const moved = request.map((l, i) => (i === 0 ? 'POST /foo?param=Value&Pet=cat HTTP/1.1' : l))
        await rejectsWith(() => lib.verifyMessage(signed(result, moved), { key: verifyKey, now: () => NOW }), 'ERR_SIGNATURE_INVALID', 'changed query parameter')
      },
    })
    cases.push({
      name: `round trip ${alg}: the key survives JWK export and import; another key fails`,
      run: async () => {
        const { key, verifyKey } = await pair(alg)
        const result = await sign(alg)
        const jwk = await lib.exportJwk(verifyKey, key.type === 'secret' ? { private: true } : {})
        const again = await lib.importKey(jwk)
        equal(again.algorithm.name, alg, 'algorithm bound by the JWK')
        await lib.verifyMessage(signed(result), { key: again, now: () => NOW })
        // Same keyid, other key material: only the signature check can tell them apart.
        const other = await lib.generateKey(alg, { kid: `rt-${alg}` })
        const otherVerify = other.type === 'secret' ? other : lib.publicKey(other)
        await rejectsWith(() => lib.verifyMessage(signed(result), { key: otherVerify, now: () => NOW }), 'ERR_SIGNATURE_INVALID', 'another key')
      },
    })
  }
  cases.push({
    name: 'round trip: a key refuses another algorithm (RFC 9421 section 7.3.6)',
    run: async () => {
      const { verifyKey } = await pair('ecdsa-p256-sha256')
      const result = await sign('ecdsa-p256-sha256')
      const input = result.signatureInput.replace(';created=', ';alg="ecdsa-p384-sha384";created=')
      const message = lib.parseHttpMessage(text([...request, `Signature-Input: ${input}`, `Signature: ${result.signature}`]))
      await rejectsWith(
        () => lib.verifyMessage(message, { key: verifyKey, now: () => NOW }),
        ['ERR_ALG_MISMATCH', 'ERR_ALG_NOT_ALLOWED'],
        'alg parameter naming another algorithm',
      )
    },
  })
  cases.push({
    name: 'round trip: a signature older than maxAgeSeconds is refused',
    run: async () => {
      const { verifyKey } = await pair('ed25519')
      const result = await sign('ed25519')
      await rejectsWith(
        () => lib.verifyMessage(signed(result), { key: verifyKey, now: () => NOW + 3600, maxAgeSeconds: 300 }),
        'ERR_SIGNATURE_TOO_OLD',
        'an hour later',
      )
    },
  })
  return cases
}

/** The published examples on one forced backend: verify (and a tampered copy), re-sign. */
function backendExampleCases(lib: CoreLibrary, fx: Fixtures, vectors: VectorFile, backend: Core.BackendName): ConformanceCase[] {
  const cases: ConformanceCase[] = []
  for (const ex of vectors.examples) {
    const tag = `backend ${backend}: RFC 9421 ${ex.id} (${ex.alg})`
    const now = (): number => createdOf(ex.signature_params)
    cases.push({
      name: `${tag}: verifies; a one-bit change fails`,
      run: async () => {
        const key = await fx.key(ex.keyid, ex.alg, 'jwk', 'public')
        const results = await lib.verifyMessage(fx.parse(ex.message, fx.signedText(ex)), { key, label: ex.label, now, backend })
        equal(results[0]?.keyid, ex.keyid, 'keyid')
        const tampered = fx.parse(ex.message, fx.signedText(ex, tamperedBase64(ex.signature_b64)))
        await rejectsWith(() => lib.verifyMessage(tampered, { key, label: ex.label, now, backend }), 'ERR_SIGNATURE_INVALID', 'tampered signature')
      },
    })
    if (ex.deterministic) {
      cases.push({
        name: `${tag}: re-signs byte for byte`,
        run: async () => {
          const key = await fx.key(ex.keyid, ex.alg, 'jwk', 'private')
          const signature = await lib.signBytes(key, utf8(ex.signature_base), { backend })
          equal(toBase64(signature), ex.signature_b64, 'signature')
        },
      })
    }
  }
  return cases
}

/**
 * The published examples and round trips again on each crypto backend the runtime has
 * (`native`, `webcrypto`, `pure`), forced through the `backend` option: DESIGN.md promises
 * that every algorithm works on each of them, and the default selection only ever shows one.
 */
function backendCases(lib: CoreLibrary, fx: Fixtures | undefined, vectors: VectorFile | undefined): ConformanceCase[] {
  const cases: ConformanceCase[] = []
  const generated = new Map<AlgorithmName, Promise<SignetKey>>()
  const generatedKey = (alg: AlgorithmName): Promise<SignetKey> => {
    let found = generated.get(alg)
    if (found === undefined) {
      found = lib.generateKey(alg, { kid: `backend-${alg}` })
      generated.set(alg, found)
    }
    return found
  }
  for (const backend of lib.availableBackends()) {
    if (fx !== undefined && vectors !== undefined) cases.push(...backendExampleCases(lib, fx, vectors, backend))
    for (const alg of ALGORITHMS) {
      cases.push({
        name: `backend ${backend}: round trip ${alg}`,
        run: async () => {
          const key = await generatedKey(alg)
          const verifyKey = key.type === 'secret' ? key : lib.publicKey(key)
          const data = utf8(`"@method": POST\n"@signature-params": ();created=${NOW}`)
          const signature = await lib.signBytes(key, data, { backend })
          ok(await lib.verifyBytes(verifyKey, data, signature, { backend }), 'verifyBytes on the same backend')
          const changed = data.slice()
          changed[0] = 0x27
          equal(await lib.verifyBytes(verifyKey, changed, signature, { backend }), false, 'verifyBytes of changed data')
        },
      })
    }
  }
  return cases
}

/**
 * The conformance cases for one copy of `@signet/core`.
 *
 * @param lib - the library under test (its namespace object).
 * @param vectors - the parsed rfc9421-vectors.json, or undefined when the host has none
 *   (then only the generated-key round trips run).
 * @returns named async cases; run them with `runCases` or register them with a test framework.
 * @example
 * ```ts
 * import * as core from '@signet/core'
 * const report = await runCases(defineConformance(core, vectors))
 * ```
 */
export function defineConformance(lib: CoreLibrary, vectors: VectorFile | undefined): ConformanceCase[] {
  const fx = vectors === undefined ? undefined : new Fixtures(lib, vectors)
  return [
    ...(fx === undefined || vectors === undefined
      ? []
      : [...signatureCases(lib, fx, vectors), ...componentCases(lib, vectors), ...digestCases(lib, vectors), ...messageDigestCases(lib, fx, vectors), ...syntaxCases(lib, vectors)]),
    ...roundTripCases(lib),
    ...backendCases(lib, fx, vectors),
    ...defineBadInputs(lib),
  ]
}

