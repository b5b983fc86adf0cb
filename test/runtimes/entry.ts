/**
 * The in-runtime entry for Deno and Bun: loads the built packages named on the command line,
 * reads the vectors in place (in the runtime itself, through `node:fs`), runs the conformance
 * suite and prints one report line for the Node launcher to read.
 *
 * Invoked by test/runtimes/deno.mjs and bun.mjs with one argument, a JSON object
 * `{ core, client?, server?, vectors? }` of absolute paths.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import process from 'node:process'
import { pathToFileURL } from 'node:url'
import { runConformance } from '../conformance/collect.ts'
import type { VectorFile } from '../conformance/vectors.ts'

interface EntryConfig {
  readonly core: string
  readonly pure?: string
  readonly client?: string
  readonly server?: string
  readonly profiles?: string
  readonly vectors?: string
}

const MARK = '@@signet-conformance-report '
const config = JSON.parse(process.argv[process.argv.length - 1] ?? '{}') as EntryConfig
const load = async (file: string | undefined): Promise<any> => (file === undefined ? undefined : import(pathToFileURL(file).href))

const vectors = config.vectors === undefined ? undefined : (JSON.parse(readFileSync(config.vectors, 'utf8')) as VectorFile)
// Importing the pure entry registers the pure backend (before the cases are defined).
await load(config.pure)
const report = await runConformance(
  { core: await load(config.core), client: await load(config.client), server: await load(config.server), profiles: await load(config.profiles) },
  vectors,
)
console.log(MARK + JSON.stringify(report))
