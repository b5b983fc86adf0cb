#!/usr/bin/env node
// Runs the conformance suite in Bun against the built packages.
// Usage: node test/runtimes/bun.mjs [--core FILE] [--client FILE] [--server FILE]
// Spawns node_modules/.bin/bun (npm package bun), which runs the TypeScript entry directly; bare
// imports of the built packages resolve from node_modules. Ends with `N passed, N failed`.
import { ROOT, TSCONFIG, launchEntry } from './common.mjs'

await launchEntry('bun', `${ROOT}node_modules/.bin/bun`, (entry, config) => ['run', `--tsconfig-override=${TSCONFIG}`, entry, config])
