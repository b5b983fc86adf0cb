/**
 * `SignetKeyState`: the Durable Object that holds the revocations and disables of keys served
 * from Workers KV (see {@link workersKvKeys}).
 *
 * Workers KV is eventually consistent: a write can take a minute or more to reach every
 * location, far too slow for a revocation. So KV carries only the key material (which changes
 * rarely, and never in a way that widens access), and each key id's state lives in one object,
 * named after the key id. An object runs in one place and every isolate asks it on each
 * verification, so a revocation is in force everywhere from the moment its write returns.
 *
 * Storage: `state` -> `{ state, at }` (`at` in unix seconds). Plain class with `fetch` (see
 * signet-nonces.ts for why).
 *
 * @module
 */
import type { KeyState } from '../key-record.ts'
import type { DurableObjectStateLike } from './types.ts'

/** The path the resolver and {@link setWorkersKeyState} call. */
export const KEY_STATE_PATH = '/signet/keys/state'

/** What the object answers: the state set for its key id, or null when none was set. */
export interface KeyStateAnswer {
  readonly state: KeyState | null
  /** Unix seconds of the change. */
  readonly at: number | null
}

const STATES: readonly string[] = ['active', 'disabled', 'revoked']

/**
 * The Durable Object class behind {@link workersKvKeys}. Re-export it from your Worker's main
 * module and bind it as `SIGNET_KEY_STATE`.
 *
 * @example
 * ```ts
 * export { SignetKeyState } from '@signet/server'
 * ```
 */
export class SignetKeyState {
  readonly #state: DurableObjectStateLike

  /**
   * @param state - the object's state (workerd passes it)
   * @param _env - the Worker's bindings (unused)
   */
  constructor(state: DurableObjectStateLike, _env?: unknown) {
    this.#state = state
  }

  /**
   * `GET /signet/keys/state` answers {@link KeyStateAnswer}; `PUT` with `{ "state" }` sets it.
   * `revoked` is final: a later `active` or `disabled` is refused with 409.
   *
   * @param request - the resolver's or the admin's request
   * @returns the answer
   */
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname !== KEY_STATE_PATH) return new Response('not found', { status: 404 })
    const storage = this.#state.storage
    if (request.method === 'GET') {
      const stored = (await storage.get('state')) as KeyStateAnswer | undefined
      return Response.json(stored ?? { state: null, at: null })
    }
    if (request.method !== 'PUT') return new Response('method not allowed', { status: 405 })
    let body: unknown
    try {
      body = await request.json()
    } catch {
      return new Response('body must be JSON', { status: 400 })
    }
    const next = (body as { state?: unknown } | null)?.state
    if (typeof next !== 'string' || !STATES.includes(next)) return new Response('expected { state: "active" | "disabled" | "revoked" }', { status: 400 })
    const answer = await storage.transaction(async (txn) => {
      const current = (await txn.get('state')) as KeyStateAnswer | undefined
      if (current?.state === 'revoked' && next !== 'revoked') return undefined
      const value: KeyStateAnswer = { state: next as KeyState, at: Math.floor(Date.now() / 1000) }
      await txn.put({ state: value })
      return value
    })
    if (answer === undefined) return new Response('the key is revoked; revocation is final', { status: 409 })
    return Response.json(answer)
  }
}
