/**
 * directoryKeys on workerd (miniflare 4, no nodejs_compat): the fetch-only transport reads a
 * loopback directory, verifies an agent, and keeps the outcomes apart.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build } from 'esbuild'
import { generateKey, publicKey, signMessage, thumbprint } from '@signet/core'
import type { SignetKey } from '@signet/core'
import { serveSigned, startDirectoryServer } from './fixtures/directory-server.ts'
import type { DirectoryServer } from './fixtures/directory-server.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const present = existsSync(join(root, 'node_modules', 'miniflare'))
if (!present && process.env['CI']) throw new Error('miniflare is missing: CI must run the workerd test')

let server: DirectoryServer
let agentKey: SignetKey
let outfile: string

beforeAll(async () => {
  server = await startDirectoryServer()
  agentKey = await generateKey('ed25519')
  server.handler = (req, res) => serveSigned(req, res, [agentKey])
  const outDir = join(root, '.tmp', 'server-tests')
  mkdirSync(outDir, { recursive: true })
  outfile = join(outDir, `agent-worker-${process.pid}.mjs`)
  const src = (pkg: string) => join(root, 'packages', pkg, 'src', ...(pkg === 'core' ? ['entries'] : []), 'index.ts')
  await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/agent-worker.ts', import.meta.url))],
    outfile,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    alias: { '@signet/core': src('core'), '@signet/core/verifying': join(root, 'packages/core/src/entries/verifying.ts'), '@signet/server': src('server') },
    logLevel: 'silent',
  })
})
afterAll(async () => {
  await server.close()
  rmSync(outfile, { force: true })
})

async function agentHeaders(key: SignetKey, agent: string, authority: string): Promise<Record<string, string>> {
  const created = Math.floor(Date.now() / 1000)
  const fields = [{ name: 'host', value: authority }, { name: 'signature-agent', value: `sig1="${agent}"` }]
  const r = await signMessage(
    { kind: 'request', method: 'GET', scheme: 'http', authority, target: '/', fields, trailers: [], body: undefined },
    { key, components: ['@authority', '"signature-agent";key="sig1"'], created, expires: created + 60, keyid: await thumbprint(publicKey(key)), tag: 'web-bot-auth' },
  )
  return { 'signature-agent': `sig1="${agent}"`, 'signature-input': r.signatureInput, signature: r.signature }
}

describe('directoryKeys on workerd', () => {
  it.runIf(present)('verifies an agent through a loopback directory; unknown keys and dead directories are unverified', async () => {
    const { readFileSync } = await import('node:fs')
    const { Miniflare } = await import('miniflare')
    const mf = new Miniflare({ modules: true, script: readFileSync(outfile, 'utf8'), compatibilityDate: '2026-07-01' })
    try {
      const ok = await mf.dispatchFetch('http://site.test/', { headers: await agentHeaders(agentKey, server.origin, 'site.test') })
      expect(await ok.json()).toEqual({ outcome: 'verified', agent: `${server.origin}/.well-known/http-message-signatures-directory` })
      const other = await mf.dispatchFetch('http://site.test/', { headers: await agentHeaders(await generateKey('ed25519'), server.origin, 'site.test') })
      expect(await other.json()).toEqual({ outcome: 'unverified', code: 'ERR_KEY_NOT_FOUND' })
      const tampered = await mf.dispatchFetch('http://other.test/', { headers: await agentHeaders(agentKey, server.origin, 'site.test') })
      expect(await tampered.json()).toEqual({ outcome: 'invalid', code: 'ERR_SIGNATURE_INVALID' })
      const refused = await mf.dispatchFetch('http://site.test/', { headers: await agentHeaders(agentKey, 'http://10.0.0.9', 'site.test') })
      // Plain http off loopback is refused before any connection, even with allowPrivateNetworks.
      expect(await refused.json()).toEqual({ outcome: 'unverified', code: 'ERR_DIRECTORY_REFUSED' })
      expect(server.requests.length).toBe(1)
    } finally {
      await mf.dispose()
    }
  }, 60_000)
})
