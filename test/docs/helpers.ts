/**
 * Helpers for running documentation snippets in-process: loopback ports, environment,
 * captured console output, and a signer made from the test client's key.
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { Server } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { vi } from 'vitest'
import { createSigner } from '@signet/client'
import type { Signer } from '@signet/client'

export const root: string = fileURLToPath(new URL('../../', import.meta.url))
export const snippetPath = (name: string): string => join(root, 'docs', 'snippets', `${name}.ts`)
export const jwksPath: string = snippetPath('jwks').replace(/\.ts$/, '.json')
export const jwksText: string = readFileSync(jwksPath, 'utf8')
/** The private half of the key in docs/snippets/jwks.json (a test-only key). */
export const clientKeyPath: string = fileURLToPath(new URL('./fixtures/acme-backend-1.private.jwk.json', import.meta.url))
export const clientKeyText: string = readFileSync(clientKeyPath, 'utf8')

export function clientSigner(): Signer {
  return createSigner({ key: JSON.parse(clientKeyText) as JsonWebKey })
}

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

/** Resolve once a snippet's server is listening. */
export function listening(server: Server): Promise<void> {
  if (server.listening) return Promise.resolve()
  return new Promise((resolve, reject) => {
    server.once('listening', () => resolve())
    server.once('error', reject)
  })
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}

/**
 * Import a snippet (running its top level) with `env` set, and return what it logged.
 * The environment is restored afterwards.
 */
export async function runSnippet<T = Record<string, unknown>>(name: string, env: Record<string, string> = {}): Promise<{ module: T; logs: unknown[][] }> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]))
  Object.assign(process.env, env)
  const logs: unknown[][] = []
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    logs.push(args)
  })
  try {
    const module = (await import(/* @vite-ignore */ snippetPath(name))) as T
    return { module, logs }
  } finally {
    spy.mockRestore()
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}
