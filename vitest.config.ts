import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (pkg: string): string => fileURLToPath(new URL(`./packages/${pkg}/src/`, import.meta.url))

const dist = (pkg: string): string => fileURLToPath(new URL(`./packages/${pkg}/dist/`, import.meta.url))

// Unit and conformance tests run on the TypeScript sources; the runtime launchers in
// test/runtimes run the same conformance suite against the built packages, and so does the
// `happy-dom-dist` project here (it needs `pnpm build` first, which `pnpm test` runs).
// Core's entry points live in src/entries/ (apart from its implementation); listed first, so they win.
const alias = [
  { find: /^@signet\/core$/, replacement: src('core') + 'entries/index.ts' },
  { find: /^@signet\/core\/(.*)$/, replacement: src('core') + 'entries/$1.ts' },
  { find: /^@signet\/(core|client|server|registry|profiles)$/, replacement: src('$1') + 'index.ts' },
  { find: /^@signet\/(core|client|server|registry|profiles)\/(.*)$/, replacement: src('$1') + '$2.ts' },
]
const distAlias = [
  { find: /^@signet\/(core|client|server|registry|profiles)$/, replacement: dist('$1') + 'index.js' },
  { find: /^@signet\/(core|client|server|registry|profiles)\/(.*)$/, replacement: dist('$1') + '$2.js' },
]

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'node',
          environment: 'node',
          include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/runtimes/**', 'test/attacks/**', '**/*.browser.test.ts', '**/node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        // The attack suite (test/attacks): one file per attack, each starting the same five
        // targets. Sharing the module graph between files (no isolation) imports the CLI,
        // Express and Hono once per worker instead of once per file: about 6 s instead of a
        // minute. Each file still builds its own keys, servers and stores in beforeAll.
        resolve: { alias },
        test: {
          name: 'attacks',
          environment: 'node',
          include: ['test/attacks/**/*.test.ts'],
          isolate: false,
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias: distAlias },
        test: {
          name: 'happy-dom-dist',
          environment: 'happy-dom',
          include: ['test/conformance/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'happy-dom',
          environment: 'happy-dom',
          include: ['test/conformance/*.test.ts', 'packages/*/test/**/*.dom.test.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
})
