/**
 * The hash functions the RSA encodings take as a parameter.
 *
 * The RSA modules do not import a hash library: the caller passes the digest function with
 * its name and output length, so the same encoding code runs over `@noble/hashes` in the pure
 * backend and over `node:crypto` in tests.
 *
 * @module
 */
import type { HashName } from '../../algorithms.ts'

/** A synchronous hash function with its RFC 9530 name and output length in bytes. */
export interface RsaHash {
  readonly name: HashName
  /** hLen in RFC 8017. */
  readonly outputLength: number
  digest(data: Uint8Array): Uint8Array
}
