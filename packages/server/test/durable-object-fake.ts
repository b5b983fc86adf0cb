/**
 * An in-process stand-in for a Durable Object namespace, for tests that call a Worker's `fetch`
 * in Node (the workerd tests use the real thing through miniflare). Each named object gets one
 * instance and an in-memory storage that keeps Workers' rules that matter here: keys listed in
 * order, at most 128 keys per `put`/`delete`, transactions that run one at a time, one alarm.
 */
import type { DurableObjectNamespaceLike, DurableObjectStateLike, DurableObjectStorageLike, DurableObjectTransactionLike } from '../src/index.ts'

export interface FakeStorage extends DurableObjectStorageLike {
  readonly data: Map<string, unknown>
  alarmAt: number | null
}

function limit128(n: number, what: string): void {
  if (n > 128) throw new RangeError(`${what}: at most 128 keys per call in Workers, got ${n}`)
}

export function fakeStorage(): FakeStorage {
  const data = new Map<string, unknown>()
  let lock: Promise<unknown> = Promise.resolve()
  const txn: DurableObjectTransactionLike = {
    get: async (key) => structuredClone(data.get(key)),
    put: async (entries) => {
      limit128(Object.keys(entries).length, 'put')
      for (const [k, v] of Object.entries(entries)) data.set(k, structuredClone(v))
    },
    delete: async (keys) => {
      limit128(keys.length, 'delete')
      let n = 0
      for (const k of keys) if (data.delete(k)) n++
      return n
    },
  }
  const storage: FakeStorage = {
    data,
    alarmAt: null,
    ...txn,
    async list(options = {}) {
      const keys = [...data.keys()].sort().filter((k) =>
        (options.prefix === undefined || k.startsWith(options.prefix)) && (options.start === undefined || k >= options.start) && (options.end === undefined || k < options.end))
      return new Map(keys.slice(0, options.limit ?? Infinity).map((k) => [k, structuredClone(data.get(k))]))
    },
    transaction<T>(closure: (t: DurableObjectTransactionLike) => Promise<T>): Promise<T> {
      const run = lock.then(() => closure(txn))
      lock = run.catch(() => undefined)
      return run
    },
    async getAlarm() {
      return storage.alarmAt
    },
    async setAlarm(at: number) {
      storage.alarmAt = at
    },
  }
  return storage
}

export interface FakeNamespace<T> extends DurableObjectNamespaceLike {
  readonly objects: Map<string, { instance: T; storage: FakeStorage }>
  /** Calls made to objects, in total. */
  calls: number
}

/** A namespace whose objects are `make(state)`, created on first use by name. */
export function fakeNamespace<T extends { fetch(request: Request): Promise<Response> }>(make: (state: DurableObjectStateLike) => T): FakeNamespace<T> {
  const objects = new Map<string, { instance: T; storage: FakeStorage }>()
  const ns: FakeNamespace<T> = {
    objects,
    calls: 0,
    idFromName: (name: string) => ({ name }),
    get(id: never) {
      const name = (id as { name: string }).name
      return {
        fetch: async (input: string, init?: RequestInit) => {
          let entry = objects.get(name)
          if (entry === undefined) {
            const storage = fakeStorage()
            entry = { instance: make({ storage }), storage }
            objects.set(name, entry)
          }
          ns.calls++
          return entry.instance.fetch(new Request(input, init))
        },
      }
    },
  }
  return ns
}
