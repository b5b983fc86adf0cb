// The peers, each fed the same request and key, each doing the whole job a caller would ask of
// it: sign = (digest the body) + build the base + sign + produce the header values; verify =
// parse the received fields + rebuild the base + verify (+ recompute the body digest).
// Libraries that do not check Content-Digest themselves get node:crypto's digest check added,
// the cheapest possible, so they are never charged more than Signet is.
import * as crypto from 'node:crypto'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { CREATED, KEY_ID, REQUESTS, componentsFor, nodeContentDigest, nodePrimitive, signatureBase } from './fixtures.mjs'

const require = createRequire(import.meta.url)
// jose is a dependency of @signet/core, not of the root: resolve it from there.
const requireFromCore = createRequire(new URL('../packages/core/package.json', import.meta.url))

const digestMatches = (fieldValue, body) => {
  const expected = Buffer.from(nodeContentDigest(body))
  const got = Buffer.from(fieldValue)
  return expected.length === got.length && crypto.timingSafeEqual(expected, got)
}

function headerRecord(req, extra = {}) {
  const out = {}
  for (const [n, v] of req.headers) out[n] = v
  return { ...out, ...extra }
}

function assertTrue(value, what) {
  if (value !== true) throw new Error(`${what}: verification of its own signature did not succeed (${String(value)})`)
}

/** The raw crypto limit: node:crypto on the precomputed base, plus the body digest on POST. */
export const rawLimit = {
  name: 'node:crypto limit',
  supports: () => true,
  async prepare({ alg, kind, op, keys }) {
    const prim = nodePrimitive(alg, keys)
    const { base } = signatureBase(kind)
    const body = REQUESTS[kind].body
    if (op === 'sign') {
      return body === undefined
        ? () => prim.sign(base)
        : () => {
            nodeContentDigest(body)
            return prim.sign(base)
          }
    }
    const sig = prim.sign(base)
    const digest = body === undefined ? undefined : nodeContentDigest(body)
    assertTrue(prim.verify(base, sig), 'limit')
    return body === undefined
      ? () => prim.verify(base, sig)
      : () => digestMatches(digest, body) && prim.verify(base, sig)
  },
}

/** http-message-signatures (dhensby): RFC 9421 draft 13 style, node:crypto signers. */
export const httpMessageSignatures = {
  name: 'http-message-signatures',
  supports: () => true,
  async prepare({ alg, kind, op, keys }) {
    const lib = require('http-message-signatures')
    const k = keys[alg.name]
    const signingKey = alg.name === 'hmac-sha256' ? k.secret : k.privateKey
    const signer = lib.createSigner(signingKey, alg.name, KEY_ID)
    const req = REQUESTS[kind]
    const config = {
      key: signer,
      fields: componentsFor(kind),
      params: ['created', 'keyid'],
      paramValues: { created: new Date(CREATED * 1000) },
    }
    const sign = async () => {
      const headers = headerRecord(req, req.body === undefined ? {} : { 'content-digest': nodeContentDigest(req.body) })
      return lib.httpbis.signMessage(config, { method: req.method, url: req.url, headers })
    }
    if (op === 'sign') return sign
    const signed = await sign()
    const verifyKey = alg.name === 'hmac-sha256' ? k.secret : k.publicKey
    const verifying = { id: KEY_ID, algs: [alg.name], verify: lib.createVerifier(verifyKey, alg.name) }
    const vconfig = { keyLookup: async () => verifying, all: false, requiredFields: componentsFor(kind), notAfter: undefined }
    const verify = async () => {
      const ok = await lib.httpbis.verifyMessage(vconfig, signed)
      return ok === true && (req.body === undefined || digestMatches(signed.headers['content-digest'], req.body))
    }
    assertTrue(await verify(), this.name)
    return verify
  },
}

/** http-message-sig 0.3 (RFC 9421 core, synchronous signer API), node:crypto primitives. */
export const httpMessageSig = {
  name: 'http-message-sig',
  supports: () => true,
  async prepare({ alg, kind, op, keys }) {
    const lib = await import('http-message-sig')
    const prim = nodePrimitive(alg, keys)
    const req = REQUESTS[kind]
    const signer = { algorithm: alg.name, sign: (data) => prim.sign(data) }
    const options = { label: 'sig1', components: componentsFor(kind), parameters: { created: CREATED, keyid: KEY_ID }, signer }
    const descriptor = (extra) => ({
      kind: 'request',
      method: req.method,
      targetUri: req.url,
      fields: [...req.headers, ...extra].map(([name, value]) => ({ name, value })),
    })
    const sign = () => {
      const extra = req.body === undefined ? [] : [['content-digest', nodeContentDigest(req.body)]]
      return lib.createSignatureSync(descriptor(extra), options)
    }
    if (op === 'sign') return sign
    const extra = req.body === undefined ? [] : [['content-digest', nodeContentDigest(req.body)]]
    const fields = sign()
    const signed = descriptor([...extra, ['signature-input', fields.signatureInput], ['signature', fields.signature]])
    const verifier = { algorithm: alg.name, verify: (data, sig) => prim.verify(data, sig) }
    const vopts = {
      label: 'sig1',
      policy: { algorithms: [alg.name], requiredComponents: componentsFor(kind), requiredParameters: ['created', 'keyid'], maxAge: 1e10, now: CREATED + 1 },
      resolveVerifier: () => verifier,
    }
    const verify = async () => {
      const result = await lib.verifySignature(signed, vopts)
      return result.label === 'sig1' && (req.body === undefined || digestMatches(extra[0][1], req.body))
    }
    assertTrue(await verify(), this.name)
    return verify
  },
}

/** web-bot-auth (Cloudflare): RFC 9421 with its own components, WebCrypto Ed25519/RSA-PSS. */
export const webBotAuth = {
  name: 'web-bot-auth',
  supports: (alg) => alg.name === 'ed25519' || alg.name === 'rsa-pss-sha512',
  async prepare({ alg, kind, op, keys }) {
    const lib = await import('web-bot-auth')
    const wcrypto = await import('web-bot-auth/crypto')
    const k = keys[alg.name]
    const jwkAlg = alg.name === 'rsa-pss-sha512' ? { alg: 'PS512' } : {}
    const signer = await wcrypto.signerFromJWK({ ...k.privateJwk, ...jwkAlg, kid: KEY_ID })
    const req = REQUESTS[kind]
    // web-bot-auth checks expiry against the wall clock and has no clock option: sign "now".
    const created = new Date()
    const expires = new Date(Date.now() + 3_600_000)
    const components = componentsFor(kind)
    const message = (extra) => ({ method: req.method, url: req.url, headers: new Headers([...req.headers, ...extra]) })
    const sign = async () => {
      const extra = req.body === undefined ? [] : [['content-digest', nodeContentDigest(req.body)]]
      return lib.signatureHeaders(message(extra), signer, { created, expires, components })
    }
    if (op === 'sign') return sign
    const extra = req.body === undefined ? [] : [['content-digest', nodeContentDigest(req.body)]]
    const h = await sign()
    const signed = message([...extra, ['signature', h.Signature], ['signature-input', h['Signature-Input']]])
    const verifier = await wcrypto.verifierFromJWK({ ...k.publicJwk, ...jwkAlg, kid: KEY_ID })
    const verify = async () => {
      await lib.verify(signed, verifier)
      return req.body === undefined || digestMatches(signed.headers.get('content-digest'), req.body)
    }
    assertTrue(await verify(), this.name)
    return verify
  },
}

/** A SHA-256 for @smithy/signature-v4 on node:crypto (what @smithy/hash-node does). */
class NodeSha256 {
  constructor(secret) {
    this.h = secret === undefined ? crypto.createHash('sha256') : crypto.createHmac('sha256', secret)
  }
  update(data) {
    this.h.update(typeof data === 'string' ? Buffer.from(data) : data)
  }
  async digest() {
    return new Uint8Array(this.h.digest())
  }
  reset() {}
}

/** AWS Signature Version 4 (@smithy/signature-v4): its own scheme on the same request. HMAC only. */
export const smithySigV4 = {
  name: '@smithy/signature-v4',
  supports: (alg) => alg.name === 'hmac-sha256',
  async prepare({ kind, op }) {
    const { SignatureV4 } = require('@smithy/signature-v4')
    const signer = new SignatureV4({
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      region: 'eu-west-1',
      service: 'execute-api',
      sha256: NodeSha256,
      applyChecksum: true,
    })
    const req = REQUESTS[kind]
    const url = new URL(req.url)
    const query = Object.fromEntries(url.searchParams)
    const signingDate = new Date(CREATED * 1000)
    const request = () => ({
      method: req.method,
      protocol: 'https:',
      hostname: url.hostname,
      path: url.pathname,
      query,
      headers: headerRecord(req),
      body: req.body,
    })
    const sign = () => signer.sign(request(), { signingDate })
    if (op === 'sign') return sign
    // SigV4 has no verify function: a verifier recomputes the Authorization value and
    // compares it in constant time.
    const expected = Buffer.from((await sign()).headers.authorization)
    const verify = async () => {
      const got = Buffer.from((await sign()).headers.authorization)
      return got.length === expected.length && crypto.timingSafeEqual(got, expected)
    }
    assertTrue(await verify(), this.name)
    return verify
  },
}

/** jose: a compact JWS over the body (POST) or over the request line (GET). */
export const joseJws = {
  name: 'jose (JWS)',
  supports: () => true,
  async prepare({ alg, kind, op, keys }) {
    const jose = await import(pathToFileURL(requireFromCore.resolve('jose')).href)
    const k = keys[alg.name]
    const req = REQUESTS[kind]
    const payload = req.body ?? new TextEncoder().encode(`${req.method} ${req.url}`)
    const signKey = alg.name === 'hmac-sha256' ? k.secret : k.privateKey
    const verifyKey = alg.name === 'hmac-sha256' ? k.secret : k.publicKey
    const header = { alg: alg.jose, kid: KEY_ID }
    const sign = () => new jose.CompactSign(payload).setProtectedHeader(header).sign(signKey)
    if (op === 'sign') return sign
    const jws = await sign()
    const verify = async () => (await jose.compactVerify(jws, verifyKey, { algorithms: [alg.jose] })).payload.length === payload.length
    assertTrue(await verify(), this.name)
    return verify
  },
}

export const peers = [httpMessageSignatures, httpMessageSig, webBotAuth, smithySigV4, joseJws]
