/**
 * Reading a body stream with a size cap: the one loop the verifier (a Fetch `Request`'s body)
 * and the directory fetcher (a directory's body) share. Bytes are counted as they arrive, so a
 * chunked body or one that streams past its declared length is stopped at the cap, not read to
 * the end first.
 *
 * @module
 */
import { concatBytes } from '@signet/core/verifying'

/**
 * Read `stream` to its end, refusing it once more than `maxBytes` have arrived.
 *
 * @param stream - the body.
 * @param maxBytes - the largest accepted size.
 * @param tooLarge - the error to throw past the cap (each caller has its own code).
 * @returns the bytes, in one array.
 * @throws what `tooLarge` returns, after starting to cancel the stream.
 */
export async function readBounded(stream: ReadableStream<Uint8Array>, maxBytes: number, tooLarge: () => Error): Promise<Uint8Array> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > maxBytes) {
      // Not awaited: the sender may never answer a cancel; the refusal does not wait for it.
      reader.cancel().catch(() => {})
      throw tooLarge()
    }
    chunks.push(value)
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : concatBytes(...chunks)
}
