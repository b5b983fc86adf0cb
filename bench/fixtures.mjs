// Shared inputs for every contender: the same two requests, the same keys, the same covered
// components and parameters, so every row compares like with like.
import * as crypto from 'node:crypto'

/** The algorithms benchmarked, with how node:crypto and jose name them. */
export const ALGORITHMS = [
  { name: 'hmac-sha256', jose: 'HS256', node: 'sha256' },
  { name: 'ed25519', jose: 'EdDSA', node: null },
  { name: 'ecdsa-p256-sha256', jose: 'ES256', node: 'sha256' },
  { name: 'rsa-pss-sha512', jose: 'PS512', node: 'sha512' },
]

/** A 256-byte JSON body (exactly). */
export const BODY = (() => {
  const base = { id: 'item_8f14e45fceea167a', name: 'Widget', tags: ['blue', 'large'], price: 1999, currency: 'EUR', note: '' }
  const size = Buffer.byteLength(JSON.stringify(base))
  base.note = 'x'.repeat(256 - size)
  const text = JSON.stringify(base)
  if (Buffer.byteLength(text) !== 256) throw new Error('body is not 256 bytes')
  return new TextEncoder().encode(text)
})()

/** The two requests, as plain descriptions every library can be fed from. */
export const REQUESTS = {
  GET: {
    method: 'GET',
    url: 'https://api.example.com/v1/items?limit=10&cursor=abc',
    authority: 'api.example.com',
    target: '/v1/items?limit=10&cursor=abc',
    headers: [
      ['host', 'api.example.com'],
      ['accept', 'application/json'],
      ['user-agent', 'signet-bench/1'],
    ],
    body: undefined,
  },
  POST: {
    method: 'POST',
    url: 'https://api.example.com/v1/items',
    authority: 'api.example.com',
    target: '/v1/items',
    headers: [
      ['host', 'api.example.com'],
      ['content-type', 'application/json'],
      ['content-length', String(BODY.length)],
    ],
    body: BODY,
  },
}

/** Covered components: method and target URI, plus the body's digest and type on POST. */
export function componentsFor(kind) {
  return kind === 'POST' ? ['@method', '@target-uri', 'content-type', 'content-digest'] : ['@method', '@target-uri']
}

export const KEY_ID = 'bench-key'
/** A fixed `created` so signature bases are identical run to run. */
export const CREATED = 1_750_000_000

/** Content-Digest with SHA-256 (RFC 9530), the node:crypto way. */
export function nodeContentDigest(body) {
  return `sha-256=:${crypto.createHash('sha256').update(body).digest('base64')}:`
}

/** One key per algorithm: node KeyObjects and JWKs of the same key. */
export function makeKeys() {
  const keys = {}
  const secret = crypto.randomBytes(32)
  const secretKey = crypto.createSecretKey(secret)
  keys['hmac-sha256'] = { secret, privateKey: secretKey, publicKey: secretKey, privateJwk: { ...secretKey.export({ format: 'jwk' }), alg: 'HS256' } }
  keys['hmac-sha256'].publicJwk = keys['hmac-sha256'].privateJwk
  const pairs = {
    ed25519: crypto.generateKeyPairSync('ed25519'),
    'ecdsa-p256-sha256': crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
    'rsa-pss-sha512': crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }),
  }
  for (const [name, pair] of Object.entries(pairs)) {
    keys[name] = {
      privateKey: pair.privateKey,
      publicKey: pair.publicKey,
      privateJwk: pair.privateKey.export({ format: 'jwk' }),
      publicJwk: pair.publicKey.export({ format: 'jwk' }),
    }
  }
  return keys
}

/** node:crypto sign and verify for a descriptor: the raw crypto limit. */
export function nodePrimitive(alg, keys) {
  const k = keys[alg.name]
  switch (alg.name) {
    case 'hmac-sha256':
      return {
        sign: (data) => crypto.createHmac('sha256', k.privateKey).update(data).digest(),
        verify: (data, sig) => {
          const mac = crypto.createHmac('sha256', k.privateKey).update(data).digest()
          return mac.length === sig.length && crypto.timingSafeEqual(mac, sig)
        },
      }
    case 'ed25519':
      return {
        sign: (data) => crypto.sign(null, data, k.privateKey),
        verify: (data, sig) => crypto.verify(null, data, k.publicKey, sig),
      }
    case 'ecdsa-p256-sha256': {
      const priv = { key: k.privateKey, dsaEncoding: 'ieee-p1363' }
      const pub = { key: k.publicKey, dsaEncoding: 'ieee-p1363' }
      return { sign: (data) => crypto.sign('sha256', data, priv), verify: (data, sig) => crypto.verify('sha256', data, pub, sig) }
    }
    case 'rsa-pss-sha512': {
      const opts = { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }
      const priv = { key: k.privateKey, ...opts }
      const pub = { key: k.publicKey, ...opts }
      return { sign: (data) => crypto.sign('sha512', data, priv), verify: (data, sig) => crypto.verify('sha512', data, pub, sig) }
    }
  }
  throw new Error(`no primitive for ${alg.name}`)
}

/** The RFC 9421 signature base for a request, written out by hand (the limit's input). */
export function signatureBase(kind) {
  const req = REQUESTS[kind]
  const components = componentsFor(kind)
  const lines = []
  for (const c of components) {
    if (c === '@method') lines.push(`"@method": ${req.method}`)
    else if (c === '@target-uri') lines.push(`"@target-uri": ${req.url}`)
    else if (c === 'content-digest') lines.push(`"content-digest": ${nodeContentDigest(req.body)}`)
    else lines.push(`"${c}": ${req.headers.find(([n]) => n === c)[1]}`)
  }
  const params = `(${components.map((c) => `"${c}"`).join(' ')});created=${CREATED};keyid="${KEY_ID}"`
  lines.push(`"@signature-params": ${params}`)
  return { base: new TextEncoder().encode(lines.join('\n')), params }
}

/** Every algorithm, for the backend tables. */
export const ALL_ALGORITHM_NAMES = ['hmac-sha256', 'ed25519', 'ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'rsa-pss-sha512', 'rsa-v1_5-sha256']

/** A private and a public JWK for each named algorithm (the HMAC secret serves as both). */
export function jwkPairs(names = ALL_ALGORITHM_NAMES) {
  const out = {}
  for (const name of names) {
    if (name === 'hmac-sha256') {
      const jwk = { kty: 'oct', k: crypto.randomBytes(32).toString('base64url') }
      out[name] = { priv: jwk, pub: jwk }
      continue
    }
    const pair =
      name === 'ed25519'
        ? crypto.generateKeyPairSync('ed25519')
        : name.startsWith('ecdsa')
          ? crypto.generateKeyPairSync('ec', { namedCurve: name.includes('384') ? 'P-384' : 'P-256' })
          : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    out[name] = { priv: pair.privateKey.export({ format: 'jwk' }), pub: pair.publicKey.export({ format: 'jwk' }) }
  }
  return out
}
