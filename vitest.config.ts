import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (pkg: string): string => fileURLToPath(new URL(`./packages/${pkg}/src/`, import.meta.url))

// Unit and conformance tests run on the TypeScript sources; the runtime launchers in
// test/runtimes run the same conformance suite against the built packages.
const alias = [
  { find: /^@signet\/(core|client|server|registry)$/, replacement: src('$1') + 'index.ts' },
  { find: /^@signet\/(core|client|server|registry)\/(.*)$/, replacement: src('$1') + '$2.ts' },
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
          exclude: ['test/runtimes/**', '**/*.browser.test.ts', '**/node_modules/**'],
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
