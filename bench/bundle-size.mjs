// Bundle size (minified, then gzip level 9) of what an application ships: the client's HMAC
// and Ed25519 signing entries, and each package entry whole. Bundled for the browser with
// esbuild from the built packages (or the sources, before a build), plus what the bundle holds
// that it should not (the pure backend, noble curves, BigInt RSA, node:crypto imports).
import { mkdirSync, writeFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { ROOT, signetSourcePlugin } from './load-signet.mjs'

// With a build, bundles resolve @signet/* as an application would: through node_modules and
// each package's "exports" and "sideEffects" (packages/cli depends on every package). The
// repository's tsconfig maps @signet/* to the sources for the type checker; an empty tsconfig
// keeps esbuild from following it.
export function builtResolution() {
  const dir = `${ROOT}.tmp/bench`
  mkdirSync(dir, { recursive: true })
  writeFileSync(`${dir}/tsconfig.bundle.json`, '{}\n')
  return { resolveDir: `${ROOT}packages/cli`, tsconfig: `${dir}/tsconfig.bundle.json`, plugins: [] }
}

export const BUNDLES = {
  // The signing entry for pages that only sign with HMAC or Ed25519 (issue 3's 5 KB target).
  'client: HMAC signing, lean entry (@signet/client/sign)': `
    import { createSigner } from '@signet/client/sign'
    export function makeSigner(jwk) {
      return createSigner({ key: jwk, keyId: 'k1' })
    }`,
  'client: Ed25519 signing, lean entry (@signet/client/sign)': `
    import { createSigner } from '@signet/client/sign'
    export function makeSigner(jwk) {
      return createSigner({ key: jwk })
    }`,
  'client: HMAC signing (createSigner + importKey)': `
    import { createSigner } from '@signet/client'
    import { importKey } from '@signet/core'
    export async function makeSigner(secret) {
      const key = await importKey(secret, { alg: 'hmac-sha256', kid: 'k1' })
      return createSigner({ key })
    }`,
  'client: Ed25519 signing (createSigner + importKey)': `
    import { createSigner } from '@signet/client'
    import { importKey } from '@signet/core'
    export async function makeSigner(jwk) {
      const key = await importKey(jwk, { alg: 'ed25519' })
      return createSigner({ key })
    }`,
  // Issue 10 item 3: what a browser application that signs with the full client loads. With code
  // splitting the initial load is the entry chunk and what it imports statically; PEM/DER
  // import, the full signer, response verification and Accept-Signature load on first need.
  'client: createSigner + signedFetch, HMAC JWK (initial load, code splitting)': `
    import { createSigner, signedFetch } from '@signet/client'
    export const make = (k) => signedFetch(createSigner({ key: { kty: 'oct', k }, keyId: 'client-1' }))`,
  'client: createSigner + signedFetch, HMAC JWK (one file, lazy parts included)': `
    import { createSigner, signedFetch } from '@signet/client'
    export const make = (k) => signedFetch(createSigner({ key: { kty: 'oct', k }, keyId: 'client-1' }))`,
  // The documented way to enable the fallback: a bare import, kept only if package.json does
  // not declare the entry free of side effects.
  'side-effect import of @signet/core/pure': `import '@signet/core/pure'; export { getBackend } from '@signet/core'`,
  '@signet/core (whole entry)': `export * from '@signet/core'`,
  '@signet/core/pure (whole entry)': `export * from '@signet/core/pure'`,
  '@signet/client (whole entry)': `export * from '@signet/client'`,
  '@signet/server (whole entry)': `export * from '@signet/server'`,
  '@signet/registry (whole entry, platform node)': `export * from '@signet/registry'`,
}

/** Inputs that an HMAC/Ed25519 signing bundle should not contain. */
const FORBIDDEN = [
  [/backends[\\/]pure|core[\\/]dist[\\/]pure/, 'pure backend'],
  [/@noble[\\/]curves/, '@noble/curves'],
  [/backends[\\/]rsa/, 'BigInt RSA'],
  [/packages[\\/]server/, '@signet/server'],
]

export async function measureBundles({ built }) {
  const esbuild = await import('esbuild')
  const rows = []
  const resolution = built ? builtResolution() : { resolveDir: ROOT, plugins: [signetSourcePlugin()] }
  for (const [name, contents] of Object.entries(BUNDLES)) {
    try {
      const result = await esbuild.build({
        stdin: { contents, resolveDir: resolution.resolveDir, loader: 'js' },
        bundle: true,
        minify: true,
        format: 'esm',
        // The registry keeps keys in files (node:fs): measure it as a Node bundle.
        platform: name.includes('platform node') ? 'node' : 'browser',
        target: 'es2022',
        write: false,
        metafile: true,
        logLevel: 'silent',
        ...(name.includes('code splitting') ? { splitting: true, outdir: `${ROOT}.tmp/bench/split` } : {}),
        plugins: resolution.plugins,
        ...(resolution.tsconfig ? { tsconfig: resolution.tsconfig } : {}),
      })
      let code = result.outputFiles[0].contents
      let output = Object.values(result.metafile.outputs)[0]
      if (name.includes('code splitting')) {
        // The initial load: the entry chunk and its static imports, concatenated.
        const outs = result.metafile.outputs
        const entry = Object.keys(outs).find((k) => outs[k].entryPoint === '<stdin>') ?? Object.keys(outs)[0]
        const seen = new Set()
        const pending = [entry]
        while (pending.length > 0) {
          const k = pending.pop()
          if (seen.has(k)) continue
          seen.add(k)
          for (const i of outs[k].imports) if (i.kind === 'import-statement' && i.path in outs) pending.push(i.path)
        }
        const files = [...seen].map((k) => result.outputFiles.find((f) => f.path.endsWith('/' + k.split('/').pop())))
        code = new TextEncoder().encode(files.map((f) => f.text).join('\n'))
        const inputs = {}
        for (const k of seen) for (const [file, info] of Object.entries(outs[k].inputs)) inputs[file] = { bytesInOutput: (inputs[file]?.bytesInOutput ?? 0) + info.bytesInOutput }
        output = { inputs }
      }
      // What is in the output, not everything parsed (a dropped import is parsed too).
      const inputs = Object.entries(output.inputs)
        .filter(([, info]) => info.bytesInOutput > 0)
        .map(([file]) => file)
      const found = FORBIDDEN.filter(([re]) => inputs.some((i) => re.test(i))).map(([, label]) => label)
      const text = new TextDecoder().decode(code)
      // A static or dynamic import of node:crypto breaks browser bundlers; the string passed to
      // process.getBuiltinModule does not.
      // Error messages survive minification: they mark the BigInt RSA code in a built bundle.
      if (!found.includes('BigInt RSA') && text.includes('RSA modulus too small')) found.push('BigInt RSA')
      if (/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["'](?:node:)?crypto["']/.test(text)) found.push('node:crypto import')
      const largest = Object.entries(output.inputs)
        .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
        .slice(0, 6)
        .map(([file, info]) => ({ file: file.replace(ROOT, '').replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, ''), bytes: info.bytesInOutput }))
      rows.push({ name, minBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length, contains: found, largest })
    } catch (e) {
      rows.push({ name, error: String(e?.errors?.[0]?.text ?? e?.message ?? e).split('\n')[0] })
    }
  }
  return rows
}
