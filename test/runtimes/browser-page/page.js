/**
 * The in-page half of test/runtimes/chromium-page.mjs: what a web front end does with
 * @signet/client, step by step, each step a function the launcher calls with `page.evaluate`.
 *
 * The launcher bundles this file with the BUILT client (packages/client/dist/index.js) and calls
 * `install(client)`, which puts the steps on `globalThis.__signetPage`. The page never decides
 * pass or fail: it returns what it did and what it saw (statuses, the bytes it meant to send,
 * error texts), and the launcher checks them against what the loopback server received and
 * verified. Requests go to the page's own origin (127.0.0.1, a secure context), so no CORS.
 *
 * Nothing here logs: the launcher also checks the console for key material.
 */

const te = new TextEncoder()

/** Standard base64 of bytes. */
function b64(bytes) {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}

/** Bytes of a base64url (or base64) string. */
function fromB64(text) {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '='))
  return Uint8Array.from(s, (c) => c.charCodeAt(0))
}

const allBytes = () => Uint8Array.from({ length: 256 }, (_, i) => i)

/** Sends and reports what came back: the server answers JSON with the arrival index. */
async function call(fetchFn, url, init) {
  const response = await fetchFn(url, init)
  const text = await response.text()
  let json
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  const arrival = response.headers.get('x-arrival')
  return { status: response.status, arrival: arrival === null ? undefined : Number(arrival), json, text: json === undefined ? text.slice(0, 300) : undefined }
}

/** An error as every text a careless app might log or show. */
function errorTexts(error) {
  const texts = [String(error), String(error?.message), String(error?.stack)]
  try {
    texts.push(JSON.stringify(error))
  } catch {
    texts.push('(not JSON-serializable)')
  }
  for (let cause = error?.cause, depth = 0; cause !== undefined && cause !== null && depth < 5; cause = cause.cause, depth++) {
    texts.push(String(cause), String(cause?.message), String(cause?.stack))
  }
  return texts
}

/** Runs `fn`, which must reject; reports the error (never the key). */
async function failure(name, secrets, fn) {
  try {
    await fn()
    return { name, secrets, rejected: false }
  } catch (error) {
    return { name, secrets, rejected: true, errorName: error?.name, code: error?.code, texts: errorTexts(error) }
  }
}

/** Tries an operation that must be refused (exporting a non-extractable key). */
async function refused(fn) {
  try {
    await fn()
    return 'resolved'
  } catch (error) {
    return `rejected: ${error?.name}`
  }
}

/** Installs the steps on `globalThis.__signetPage`. */
export function install(client) {
  const { createSigner, signedFetch, generateBrowserKey, saveKey, loadKey, exportPublicJwk } = client

  const steps = {
    /** Case 1: a shared secret signs a GET and a JSON POST through `signedFetch`. */
    async hmac({ secret, keyId }) {
      const fetchSigned = signedFetch(createSigner({ key: fromB64(secret), alg: 'hmac-sha256', keyId }))
      const get = await call(fetchSigned, '/api/items?id=7&q=a%20b')
      const json = JSON.stringify({ order: 42, note: 'héllo ✓ 漢字', list: [1, 2, 3] })
      const post = await call(fetchSigned, '/api/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: json })
      return { get, post: { ...post, sent: b64(te.encode(json)) } }
    },

    /**
     * Case 2: generate a non-extractable pair, keep it in IndexedDB, register only the public
     * JWK, sign a FormData and a Blob POST.
     */
    async createKey({ alg, name }) {
      let pair
      try {
        pair = await generateBrowserKey(alg)
      } catch (error) {
        return { unsupported: `${error?.name}: ${error?.message}` }
      }
      await saveKey(name, pair)
      const jwk = await exportPublicJwk(pair)
      const register = await call(fetch, '/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(jwk) })
      const fetchSigned = signedFetch(createSigner({ key: pair }))

      const form = new FormData()
      form.append('note', 'signet ✓ ü')
      form.append('file', new Blob([allBytes()], { type: 'application/octet-stream' }), 'bytes.bin')
      const formPost = await call(fetchSigned, '/api/upload', { method: 'POST', body: form })

      const blobBytes = new Uint8Array([...te.encode('blob:'), ...allBytes()])
      const blobPost = await call(fetchSigned, '/api/blob', { method: 'POST', body: new Blob([blobBytes], { type: 'application/x-signet-test' }) })
      return {
        jwk,
        privateExtractable: pair.privateKey.extractable,
        publicExtractable: pair.publicKey.extractable,
        register,
        formPost,
        blobPost: { ...blobPost, sent: b64(blobBytes) },
      }
    },

    /** Case 3: after a reload or a browser restart, the stored pair is back and still signs. */
    async reloadKey({ name }) {
      const pair = await loadKey(name)
      if (pair === undefined) return { found: false }
      const jwk = await exportPublicJwk(pair)
      const fetchSigned = signedFetch(createSigner({ key: pair }))
      const body = JSON.stringify({ again: true, at: Date.now() })
      const post = await call(fetchSigned, '/api/again', { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      return {
        found: true,
        alg: pair.alg,
        kid: jwk.kid,
        privateType: pair.privateKey.type,
        privateExtractable: pair.privateKey.extractable,
        usages: pair.privateKey.usages,
        exportJwk: await refused(() => crypto.subtle.exportKey('jwk', pair.privateKey)),
        exportPkcs8: await refused(() => crypto.subtle.exportKey('pkcs8', pair.privateKey)),
        wrap: await refused(async () => {
          const wrapping = await crypto.subtle.generateKey({ name: 'AES-KW', length: 256 }, false, ['wrapKey'])
          return crypto.subtle.wrapKey('pkcs8', pair.privateKey, wrapping, 'AES-KW')
        }),
        post: { ...post, sent: b64(te.encode(body)) },
      }
    },

    /** Case 4a: what web storage holds. */
    storage() {
      const dump = (store) => Array.from({ length: store.length }, (_, i) => [store.key(i), store.getItem(store.key(i))])
      return { local: dump(localStorage), session: dump(sessionStorage), cookie: document.cookie }
    },

    /**
     * Case 4b: signing attempts that fail, each with key material the page knows, sent through
     * `signedFetch` (so a failure after sending would show as an arrival on the server).
     */
    async failingSigns({ secret, storedName }) {
      const secretBytes = fromB64(secret)
      const url = '/api/never'
      const post = { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'payload' }
      const send = (options, init = post) => signedFetch(createSigner(options))(url, init)

      // Extractable keys made here only so the test knows the private bytes to look for.
      const ed = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']).catch(() => undefined)
      const edJwk = ed === undefined ? undefined : await crypto.subtle.exportKey('jwk', ed.privateKey)
      const ec = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
      const ecJwk = await crypto.subtle.exportKey('jwk', ec.privateKey)
      const pkcs8 = b64(new Uint8Array(await crypto.subtle.exportKey('pkcs8', ec.privateKey)))
      const lines = pkcs8.match(/.{1,64}/g)
      lines[1] = `${lines[1].slice(0, 20)}*${lines[1].slice(21)}`
      const brokenPem = `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`

      const out = [
        await failure('HMAC secret given as an Ed25519 key', [secret], () => send({ key: secretBytes, alg: 'ed25519', keyId: 'k1' })),
        await failure('HMAC secret too short', [b64(secretBytes.slice(0, 16))], () => send({ key: secretBytes.slice(0, 16), alg: 'hmac-sha256', keyId: 'k1' })),
        await failure('oct JWK with an ECDSA alg', [secret], () => send({ key: { kty: 'oct', k: secret }, alg: 'ecdsa-p256-sha256', keyId: 'k1' })),
        await failure('P-256 private JWK with an HMAC alg', [ecJwk.d], () => send({ key: ecJwk, alg: 'hmac-sha256' })),
        await failure('P-256 private JWK with a corrupted x', [ecJwk.d], () => send({ key: { ...ecJwk, x: `${ecJwk.x.slice(0, -4)}AAAA` } })),
        await failure('P-256 PEM with a corrupted line', [pkcs8], () => send({ key: brokenPem })),
        await failure('body over maxBodyBytes (HMAC)', [secret], () => send({ key: secretBytes, alg: 'hmac-sha256', keyId: 'k1', maxBodyBytes: 4 })),
        await failure('unknown component (HMAC)', [secret], () => send({ key: secretBytes, alg: 'hmac-sha256', keyId: 'k1', components: ['@method', '@no-such-thing'] })),
      ]
      if (edJwk !== undefined) {
        out.push(await failure('Ed25519 private JWK with a P-256 alg', [edJwk.d], () => send({ key: edJwk, alg: 'ecdsa-p256-sha256' })))
      }
      const stored = storedName === undefined ? undefined : await loadKey(storedName)
      if (stored !== undefined) {
        out.push(
          await failure('stored pair, request body already used', [], async () => {
            const request = new Request(url, post)
            await request.text()
            return createSigner({ key: stored }).sign(request)
          }),
        )
      }
      return out
    },

    /**
     * Case 5: a signed request altered after signing, sent with a raw `fetch`. Order matters:
     * the altered ones first, then the genuine one (accepted: the refusals did not burn its
     * nonce), then the genuine one again (a replay).
     */
    async tamper({ secret, keyId, storedName }) {
      const stored = storedName === undefined ? undefined : await loadKey(storedName)
      const signer = stored !== undefined ? createSigner({ key: stored }) : createSigner({ key: fromB64(secret), alg: 'hmac-sha256', keyId })
      const body = '{"amount":1,"to":"alice"}'
      const signed = await signer.sign(new Request('/api/pay', { method: 'POST', headers: { 'content-type': 'application/json' }, body }))
      const bytes = new Uint8Array(await signed.clone().arrayBuffer())
      const headers = () => new Headers(signed.headers)
      const altered = '{"amount":9,"to":"alice"}'
      const digestOf = async (text) => `sha-256=:${b64(new Uint8Array(await crypto.subtle.digest('SHA-256', te.encode(text))))}:`
      const withDigest = headers()
      withDigest.set('content-digest', await digestOf(altered))
      const otherType = headers()
      otherType.set('content-type', 'text/plain')
      return {
        keyKind: stored !== undefined ? stored.alg : 'hmac-sha256',
        bodyChanged: await call(fetch, '/api/pay', { method: 'POST', headers: headers(), body: altered }),
        bodyAndDigestChanged: await call(fetch, '/api/pay', { method: 'POST', headers: withDigest, body: altered }),
        contentTypeChanged: await call(fetch, '/api/pay', { method: 'POST', headers: otherType, body: bytes }),
        pathChanged: await call(fetch, '/api/refund', { method: 'POST', headers: headers(), body: bytes }),
        methodChanged: await call(fetch, '/api/pay', { method: 'PUT', headers: headers(), body: bytes }),
        signatureDropped: await call(fetch, '/api/pay', { method: 'POST', headers: (() => { const h = headers(); h.delete('signature'); return h })(), body: bytes }),
        genuine: await call(fetch, '/api/pay', { method: 'POST', headers: headers(), body: bytes }),
        replayed: await call(fetch, '/api/pay', { method: 'POST', headers: headers(), body: bytes }),
      }
    },
  }
  globalThis.__signetPage = steps
}
