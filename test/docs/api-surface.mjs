/**
 * The exported names of each package, as TypeDoc documents them (typedoc.json's entry points),
 * and the committed copy they are checked against, docs/api-surface.json.
 *
 *   node test/docs/api-surface.mjs            # print the current surface
 *   node test/docs/api-surface.mjs --write    # regenerate docs/api-surface.json (pnpm docs:surface)
 *
 * TypeDoc runs through its API with the same options as `pnpm docs:api`, writing its JSON
 * model to a temporary directory instead of HTML into docs/api.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Application, ReflectionKind } from 'typedoc'

const root = fileURLToPath(new URL('../../', import.meta.url))
export const surfacePath = join(root, 'docs', 'api-surface.json')

/** `{ "@signet/core": { "SignetError": "Class", ... }, ... }`, names sorted. */
export async function currentSurface() {
  const dir = await mkdtemp(join(tmpdir(), 'signet-typedoc-'))
  try {
    const app = await Application.bootstrapWithPlugins({
      options: join(root, 'typedoc.json'),
      logLevel: 'Error',
    })
    const project = await app.convert()
    if (project === undefined) throw new Error('typedoc could not convert the entry points')
    const json = join(dir, 'api.json')
    await app.generateJson(project, json)
    const model = JSON.parse(await readFile(json, 'utf8'))
    const surface = {}
    for (const module of [...model.children].sort((a, b) => a.name.localeCompare(b.name))) {
      // Modules are named by their path, "core/src" (a package's main entry) or "client/src/ky"
      // (its subpath `@signet/client/ky`): the package's own name is in its package.json. Core's
      // entries sit in src/entries/ ("core/src/entries" is its main entry).
      const [dirName, , subpath] = module.name.replace(/^core\/src\/entries\b/, 'core/src').split('/')
      const manifest = JSON.parse(await readFile(join(root, 'packages', dirName, 'package.json'), 'utf8'))
      const name = subpath === undefined ? manifest.name : `${manifest.name}/${subpath}`
      const names = {}
      for (const child of [...(module.children ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        names[child.name] = ReflectionKind[child.kind]
      }
      surface[name] = names
    }
    return surface
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const surface = await currentSurface()
  const text = JSON.stringify(surface, null, 2) + '\n'
  if (process.argv.includes('--write')) {
    await writeFile(surfacePath, text)
    console.log(`wrote docs/api-surface.json (${Object.values(surface).reduce((n, s) => n + Object.keys(s).length, 0)} exports)`)
  } else process.stdout.write(text)
}
