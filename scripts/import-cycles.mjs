// Import circles in the packages' sources (issue 18): a module that imports, directly or through
// others, a module that imports it back. Each circle makes the load order matter (a `const`
// read before its module ran is a TDZ error) and hides which of the two is the lower layer.
//
// The graph is the relative imports of packages/*/src/**/*.ts: `import ... from`, `export ...
// from`, `import type` (a type-only circle still ties two modules together), bare `import '...'`
// and `import('...')`. Cross-package imports (`@signet/core`) are left out: the package layering
// (DESIGN.md) already keeps those one-way. Circles are the strongly connected components of more
// than one module (Tarjan's algorithm), or a module importing itself.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* walk(path)
    else if (path.endsWith('.ts')) yield path
  }
}

const importPattern = /(?:^|[\s;}])(?:import|export)\s[^'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/gm

/**
 * The relative-import graph of every package's sources under `root`.
 * @param {string} root the repository root
 * @returns {Map<string, string[]>} module path (relative to root, with `/`) to the modules it imports
 */
export function importGraph(root) {
  const graph = new Map()
  const packages = join(root, 'packages')
  for (const pkg of readdirSync(packages)) {
    const src = join(packages, pkg, 'src')
    if (!existsSync(src)) continue
    for (const file of walk(src)) {
      // Comments go first: doc blocks show imports in their examples.
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
      const targets = []
      for (const match of text.matchAll(importPattern)) {
        const specifier = match[1] ?? match[2] ?? match[3]
        targets.push(relative(root, resolve(dirname(file), specifier)).replaceAll('\\', '/'))
      }
      graph.set(relative(root, file).replaceAll('\\', '/'), targets)
    }
  }
  return graph
}

/**
 * The import circles among the packages' sources.
 * @param {string} root the repository root
 * @returns {string[][]} each circle's modules, sorted; empty when there is none
 */
export function findImportCycles(root) {
  const graph = importGraph(root)
  const index = new Map()
  const low = new Map()
  const stack = []
  const onStack = new Set()
  const cycles = []
  let next = 0
  // Recursive: the graph is a few hundred modules deep at most.
  const visit = (module) => {
    index.set(module, next)
    low.set(module, next)
    next++
    stack.push(module)
    onStack.add(module)
    for (const target of graph.get(module) ?? []) {
      if (!graph.has(target)) continue
      if (!index.has(target)) {
        visit(target)
        low.set(module, Math.min(low.get(module), low.get(target)))
      } else if (onStack.has(target)) low.set(module, Math.min(low.get(module), index.get(target)))
    }
    if (low.get(module) !== index.get(module)) return
    const component = []
    let member
    do {
      member = stack.pop()
      onStack.delete(member)
      component.push(member)
    } while (member !== module)
    if (component.length > 1 || graph.get(module).includes(module)) cycles.push(component.sort())
  }
  for (const module of graph.keys()) if (!index.has(module)) visit(module)
  return cycles
}
