/** Test helpers: a controllable clock and a sign-then-verify round trip through a registry. */
import { SignetError, importKey, parseHttpMessage, signMessage, verifyMessage } from '@signet/core'
import type { SignetKey } from '@signet/core'
import type { Registry, ResolvedKey } from '@signet/registry'

export interface Clock {
  now: () => number
  set: (t: number) => void
  advance: (s: number) => void
  readonly t: number
}

export function clock(start = 1_800_000_000): Clock {
  let t = start
  return {
    now: () => t,
    set: (v: number) => void (t = v),
    advance: (s: number) => void (t += s),
    get t() {
      return t
    },
  }
}

/** The key-state rules of `@signet/server`'s assertKeyUsable, so the registry is tested alone. */
export function assertUsable(record: ResolvedKey, now: number): void {
  const state = record.state ?? 'active'
  if (state === 'revoked') throw new SignetError('ERR_KEY_REVOKED', 'revoked')
  if (state !== 'active') throw new SignetError('ERR_KEY_DISABLED', 'disabled')
  if (record.notBefore !== undefined && now < record.notBefore) throw new SignetError('ERR_KEY_NOT_YET_VALID', 'not yet')
  if (record.expires !== undefined && now >= record.expires) throw new SignetError('ERR_KEY_EXPIRED', 'expired')
}

/** Sign a request with `signer`, verify it with keys resolved from the registry at `now`: 'ok' or the error code. */
export async function roundTrip(registry: Pick<Registry, 'resolve'>, signer: SignetKey, now: number): Promise<string> {
  const message = parseHttpMessage('POST /orders?id=7 HTTP/1.1\r\nHost: api.example\r\nContent-Type: application/json\r\n\r\n{"a":1}')
  const signed = await signMessage(message, { key: signer, created: now })
  const withHeaders = parseHttpMessage(
    `POST /orders?id=7 HTTP/1.1\r\nHost: api.example\r\nContent-Type: application/json\r\n` +
      `Signature-Input: ${signed.signatureInput}\r\nSignature: ${signed.signature}\r\n\r\n{"a":1}`,
  )
  try {
    await verifyMessage(withHeaders, {
      now: () => now,
      key: async ({ keyid }) => {
        if (keyid === undefined) return undefined
        const record = await registry.resolve(keyid)
        if (record === undefined) return undefined
        assertUsable(record, now)
        return record.key
      },
    })
    return 'ok'
  } catch (err) {
    return (err as { code?: string }).code ?? String(err)
  }
}

/** The signing key for a key `create`/`rotate` returned. */
export async function signerOf(created: { jwk?: JsonWebKey | object; privateKey?: JsonWebKey }): Promise<SignetKey> {
  if (created.jwk !== undefined) return importKey(created.jwk as JsonWebKey)
  if (created.privateKey !== undefined) return importKey(created.privateKey)
  throw new Error('no signing key in the creation output')
}

export async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).name
  }
  return undefined
}
