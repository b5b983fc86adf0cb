/**
 * Every `signet` command, by name.
 *
 * @module
 */
export { baseCommand } from './base.ts'
export { consoleCommand } from './console.ts'
export { fetchCommand } from './fetch.ts'
export { demoCommand } from './demo.ts'
export { directoryCommand } from './directory.ts'
export { keygenCommand } from './keygen.ts'
export { keysCommand } from './keys.ts'
export { pubkeyCommand } from './pubkey.ts'
export { serveCommand } from './serve.ts'
export { signCommand } from './sign.ts'
export { verifyCommand } from './verify.ts'
