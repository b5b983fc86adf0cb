// Signet as a contender: core signMessage / verifyMessage on the message model, with the
// Content-Digest made (sign) and checked (verify, inside verifyMessage) by Signet itself.
import { CREATED, KEY_ID, REQUESTS, componentsFor } from './fixtures.mjs'

const REQUIRED = ['importKey', 'signMessage', 'verifyMessage', 'createContentDigest']

/** Which core exports the contender needs and are missing (empty when it can run). */
export function missingExports(core) {
  return REQUIRED.filter((name) => typeof core?.[name] !== 'function')
}

function messageOf(req, extra) {
  const fields = []
  for (const [name, value] of req.headers) fields.push({ name, value })
  for (const [name, value] of extra) fields.push({ name, value })
  return { kind: 'request', method: req.method, scheme: 'https', authority: req.authority, target: req.target, fields, trailers: [], body: req.body }
}

/**
 * @param {object} core the @signet/core module
 * @param {{ name?: string, backend?: 'native' | 'webcrypto' | 'pure' }} [options]
 */
export function signetContender(core, options = {}) {
  return {
    name: options.name ?? 'Signet',
    signet: true,
    supports: () => missingExports(core).length === 0,
    async prepare({ alg, kind, op, keys }) {
      const k = keys[alg.name]
      const key = await core.importKey(k.privateJwk, { alg: alg.name, kid: KEY_ID })
      const verifyKey = alg.name === 'hmac-sha256' ? key : await core.importKey(k.publicJwk, { alg: alg.name, kid: KEY_ID })
      const req = REQUESTS[kind]
      const components = componentsFor(kind)
      const signOptions = { key, components, created: CREATED, keyid: KEY_ID, ...(options.backend ? { backend: options.backend } : {}) }
      const sign = async () => {
        const extra = req.body === undefined ? [] : [['content-digest', await core.createContentDigest(req.body)]]
        return core.signMessage(messageOf(req, extra), signOptions)
      }
      if (op === 'sign') return sign
      const extra = req.body === undefined ? [] : [['content-digest', await core.createContentDigest(req.body)]]
      const result = await sign()
      const signed = messageOf(req, [...extra, ['signature-input', result.signatureInput], ['signature', result.signature]])
      const verifyOptions = {
        key: verifyKey,
        now: () => CREATED + 1,
        requiredComponents: components,
        ...(options.backend ? { backend: options.backend } : {}),
      }
      const verify = async () => (await core.verifyMessage(signed, verifyOptions)).length === 1
      if ((await verify()) !== true) throw new Error('Signet did not verify its own signature')
      // The check must be able to fail: a changed method must not verify.
      const tampered = { ...signed, method: req.method === 'GET' ? 'PUT' : 'PATCH' }
      let rejected = false
      try {
        await core.verifyMessage(tampered, verifyOptions)
      } catch {
        rejected = true
      }
      if (!rejected) throw new Error('Signet verified a tampered request')
      return verify
    },
  }
}
