#!/usr/bin/env node
// Runs the conformance suite in Deno against the built packages.
// Usage: node test/runtimes/deno.mjs [--core FILE] [--client FILE] [--server FILE]
// Spawns node_modules/.bin/deno (npm package deno) with read permission only; bare imports of
// the built packages resolve from node_modules. Ends with `N passed, N failed`.
import { ROOT, launchEntry } from './common.mjs'

await launchEntry('deno', `${ROOT}node_modules/.bin/deno`, (entry, config) => ['run', '--allow-read', '--no-prompt', '--quiet', entry, config], {
  DENO_NO_UPDATE_CHECK: '1',
})
