/**
 * Bad inputs, thrown at the public functions on every runtime: each must end in a coded
 * `SignetError` (never a crash, a TypeError from deep inside, or a hang).
 *
 * Runtimes differ exactly where bad input goes (base64 decoders, WebCrypto import errors,
 * `Headers` quirks), so the list runs everywhere the suite runs. The per-case time limit of
 * the harness turns a hang into a failure. Expected codes come from errors.ts; where RFC 9421
 * leaves the stage of detection open, a case accepts each code that names the fault.
 *
 * @module
 */
import type * as Core from '@signet/core'
import { type ConformanceCase, rejectsWith } from './harness.ts'
import type { CoreLibrary } from './suite.ts'

const NOW = 1_750_000_000
const SIG = 'sig1=:' + 'A'.repeat(86) + '==:'

const REQUEST = [
  'POST /orders?id=1&id=2&name=caf%C3%A9 HTTP/1.1',
  'Host: api.example.com',
  'Content-Type: application/json',
  'Content-Length: 2',
]

/** A request with the given Signature-Input and Signature lines (either may be omitted). */
const requestWith = (lib: CoreLibrary, input: readonly string[], signature: readonly string[] = [SIG]): Core.HttpMessage =>
  lib.parseHttpMessage(
    [...REQUEST, ...input.map((v) => `Signature-Input: ${v}`), ...signature.map((v) => `Signature: ${v}`)].join('\r\n') + '\r\n\r\n{}',
  )

/**
 * The bad-input cases for one copy of `@signet/core`.
 *
 * @param lib - the library under test.
 * @returns named async cases.
 */
export function defineBadInputs(lib: CoreLibrary): ConformanceCase[] {
  let keyPromise: Promise<Core.SignetKey> | undefined
  const key = (): Promise<Core.SignetKey> => (keyPromise ??= lib.generateKey('ed25519', { kid: 'bad-input' }))
  const verify = async (message: Core.HttpMessage, options: Partial<Core.VerifyOptions> = {}): Promise<unknown> => {
    const k = await key()
    return lib.verifyMessage(message, { key: lib.publicKey(k), now: () => NOW, ...options })
  }
  /** Signs the base request for real, so only the one fault under test remains. */
  const signed = async (components: readonly string[], params: Partial<Core.SignOptions> = {}): Promise<Core.SignatureResult> =>
    lib.signMessage(lib.parseHttpMessage(REQUEST.join('\r\n') + '\r\n\r\n{}'), {
      key: await key(),
      components: components.map((c) => lib.parseComponentIdentifier(c)),
      created: NOW,
      keyid: 'bad-input',
      ...params,
    })

  const cases: [string, () => unknown, readonly Core.SignetErrorCode[]][] = [
    // Structured fields (RFC 8941 / RFC 9421 section 4).
    ['Signature-Input: an unclosed inner list', () => verify(requestWith(lib, ['sig1=("@method"'])), ['ERR_MALFORMED_FIELD']],
    ['Signature-Input: a member that is an item, not an inner list', () => verify(requestWith(lib, ['sig1="@method"'])), ['ERR_MALFORMED_FIELD']],
    ['Signature-Input: created is not an integer', () => verify(requestWith(lib, ['sig1=("@method");created="soon"'])), ['ERR_MALFORMED_FIELD', 'ERR_INVALID_PARAMETER']],
    ['Signature-Input: a component that is a token, not a string', () => verify(requestWith(lib, ['sig1=(method);created=1'])), ['ERR_MALFORMED_FIELD', 'ERR_INVALID_COMPONENT']],
    ['Signature-Input: non-ASCII characters', () => verify(requestWith(lib, ['sig1=("@méthod");created=1'])), ['ERR_MALFORMED_FIELD', 'ERR_MALFORMED_MESSAGE']],
    ['Signature: not a byte sequence', () => verify(requestWith(lib, ['sig1=("@method");created=1'], ['sig1="abc"'])), ['ERR_MALFORMED_FIELD']],
    ['Signature: invalid base64 inside the byte sequence', () => verify(requestWith(lib, ['sig1=("@method");created=1'], ['sig1=:%%%%:'])), ['ERR_MALFORMED_FIELD']],
    ['Signature-Input without a Signature', () => verify(requestWith(lib, ['sig1=("@method");created=1'], [])), ['ERR_SIGNATURE_MISSING', 'ERR_MALFORMED_FIELD', 'ERR_LABEL_NOT_FOUND']],
    ['no Signature-Input at all', () => verify(requestWith(lib, [], [])), ['ERR_SIGNATURE_MISSING']],
    ['a label that is not there', () => verify(requestWith(lib, ['sig1=("@method");created=1']), { label: 'other' }), ['ERR_LABEL_NOT_FOUND', 'ERR_SIGNATURE_MISSING']],
    [
      // RFC 8941 keeps the last of duplicate dictionary keys; a verifier may also refuse the
      // field. Either way the valid first signature must not be what gets accepted.
      'the same label on two field lines',
      async () => {
        const r = await signed(['"@method"'])
        return verify(requestWith(lib, [r.signatureInput, 'sig1=("@path");created=1'], [r.signature, SIG]))
      },
      ['ERR_MALFORMED_FIELD', 'ERR_LABEL_EXISTS', 'ERR_SIGNATURE_INVALID'],
    ],
    // Limits.
    ['an oversized Signature-Input', () => verify(requestWith(lib, [`sig1=("@method");created=1;nonce="${'n'.repeat(100_000)}"`])), ['ERR_FIELD_TOO_LARGE']],
    [
      'too many signatures',
      () => {
        const labels = Array.from({ length: 200 }, (_, i) => `s${i}`)
        return verify(requestWith(lib, [labels.map((l) => `${l}=("@method");created=1`).join(', ')], [labels.map((l) => `${l}=:AAAA:`).join(', ')]))
      },
      ['ERR_TOO_MANY_SIGNATURES', 'ERR_FIELD_TOO_LARGE'],
    ],
    [
      'too many components',
      () => {
        const list = Array.from({ length: 500 }, (_, i) => `"x-h${i}"`).join(' ')
        return verify(requestWith(lib, [`sig1=(${list});created=1`]))
      },
      ['ERR_TOO_MANY_COMPONENTS', 'ERR_FIELD_TOO_LARGE'],
    ],
    // Components (RFC 9421 section 2).
    [
      'a covered field the message lacks',
      async () => {
        const r = await signed(['"@method"'])
        return verify(requestWith(lib, [r.signatureInput.replace('("@method")', '("@method" "x-missing")')], [r.signature]))
      },
      ['ERR_MISSING_COMPONENT'],
    ],
    ['an unknown derived component', () => verify(requestWith(lib, ['sig1=("@colour");created=1'])), ['ERR_UNKNOWN_COMPONENT']],
    ['a component listed twice', () => verify(requestWith(lib, ['sig1=("@method" "@method");created=1'])), ['ERR_DUPLICATE_COMPONENT']],
    [
      'a repeated @query-param name (RFC 9421 section 2.2.8)',
      () => lib.componentValue(requestWith(lib, []), lib.parseComponentIdentifier('"@query-param";name="id"')),
      ['ERR_AMBIGUOUS_QUERY_PARAM'],
    ],
    ['@query-param without a name', () => lib.componentValue(requestWith(lib, []), lib.parseComponentIdentifier('"@query-param"')), ['ERR_INVALID_COMPONENT']],
    ['@status on a request', () => lib.componentValue(requestWith(lib, []), lib.parseComponentIdentifier('"@status"')), ['ERR_INVALID_COMPONENT', 'ERR_MISSING_COMPONENT']],
    [
      ';key on a field that is not a dictionary',
      () => lib.componentValue(requestWith(lib, []), lib.parseComponentIdentifier('"content-type";key="a"')),
      ['ERR_MALFORMED_FIELD', 'ERR_INVALID_COMPONENT'],
    ],
    ['a component identifier that does not parse', () => lib.parseComponentIdentifier('"@method'), ['ERR_INVALID_COMPONENT', 'ERR_MALFORMED_FIELD']],
    // Algorithms and parameters.
    [
      'an unknown alg parameter',
      async () => {
        const r = await signed(['"@method"'])
        return verify(requestWith(lib, [r.signatureInput + ';alg="rsa-sha1"'], [r.signature]))
      },
      ['ERR_ALG_UNSUPPORTED', 'ERR_ALG_MISMATCH'],
    ],
    ['an algorithm name the registry does not know', () => lib.getAlgorithm('none'), ['ERR_ALG_UNSUPPORTED']],
    [
      'created in the future',
      async () => {
        const r = await signed(['"@method"'], { created: NOW + 3600 })
        return verify(requestWith(lib, [r.signatureInput], [r.signature]))
      },
      ['ERR_CREATED_IN_FUTURE'],
    ],
    [
      'expired',
      async () => {
        const r = await signed(['"@method"'], { created: NOW - 100, expires: NOW - 10 })
        return verify(requestWith(lib, [r.signatureInput], [r.signature]))
      },
      ['ERR_SIGNATURE_EXPIRED'],
    ],
    // Keys.
    ['an HMAC secret of 16 bytes', () => lib.importKey(new Uint8Array(16), { alg: 'hmac-sha256' }), ['ERR_KEY_TOO_SHORT']],
    ['a PEM block of garbage', () => lib.importKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'), ['ERR_KEY_INVALID', 'ERR_KEY_UNSUPPORTED']],
    ['a JWK of an unknown key type', () => lib.importKey({ kty: 'XYZ' }), ['ERR_KEY_UNSUPPORTED', 'ERR_KEY_INVALID']],
    ['an EC JWK whose point is off the curve', () => lib.importKey({ kty: 'EC', crv: 'P-256', x: 'AQ', y: 'AQ' }), ['ERR_KEY_INVALID']],
    ['an RSA key without alg', () => lib.generateKey('rsa-v1_5-sha256').then((k) => lib.exportPem(lib.publicKey(k))).then((pem) => lib.importKey(pem)), ['ERR_KEY_UNSUPPORTED']],
    // Messages and digests.
    ['a message that is not HTTP', () => lib.parseHttpMessage('hello\r\n\r\n'), ['ERR_MALFORMED_MESSAGE']],
    ['a field line without a colon', () => lib.parseHttpMessage('GET / HTTP/1.1\r\nHost example.com\r\n\r\n'), ['ERR_MALFORMED_MESSAGE']],
    ['a Content-Digest that is not a dictionary', () => lib.verifyContentDigest('sha-256', new Uint8Array()), ['ERR_MALFORMED_FIELD', 'ERR_DIGEST_UNSUPPORTED']],
    ['a Content-Digest of an unsupported algorithm only', () => lib.verifyContentDigest('md5=:1B2M2Y8AsgTpgAmY7PhCfg==:', new Uint8Array()), ['ERR_DIGEST_UNSUPPORTED']],
    ['a Content-Digest with a string value', () => lib.verifyContentDigest('sha-256="abc"', new Uint8Array()), ['ERR_MALFORMED_FIELD']],
  ]
  return cases.map(([name, action, codes]) => ({
    name: `bad input: ${name}`,
    run: async () => {
      await rejectsWith(action, codes, name)
    },
  }))
}
