/**
 * Reading a body stream under a size cap: the one loop the client (a request body it signs, a
 * problem document it reads) and the server (a Fetch `Request`'s body it verifies, a key
 * directory it fetches) share. Bytes are counted as they arrive, so a chunked body, or one that
 * streams past its declared length, is stopped at the cap, not read to the end first. It
 * imports nothing, so the lean signing graph and the verifier's both take it as it is.
 *
 * @module
 */

/**
 * Read `stream` to its end, unless more than `maxBytes` arrive.
 *
 * The reader's lock is never released: a drained body stays locked, so a second read of the same
 * `Request` is refused even where `bodyUsed` is not set by reading through a reader (happy-dom).
 *
 * @param stream - the body; cancelled (not waited for) once past the cap.
 * @param maxBytes - the largest accepted total length.
 * @returns the bytes in one new array (never a view of a chunk the stream still holds), or
 * undefined when the stream carries more than `maxBytes`; each caller refuses with its own code.
 * @example
 * ```ts
 * const body = await readBounded(request.body!, 1_048_576)
 * if (body === undefined) throw new SignetError('ERR_BODY_TOO_LARGE', 'the body exceeds 1 MiB')
 * ```
 */
export async function readBounded(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array | undefined> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    // A stream may yield any ArrayBufferView; normalise to bytes without copying.
    const view = value as ArrayBufferView
    const chunk = view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
    total += chunk.byteLength
    if (total > maxBytes) {
      // Not awaited: a sender may never answer a cancel; the refusal does not wait for it.
      reader.cancel().catch(() => undefined)
      return undefined
    }
    chunks.push(chunk)
  }
  if (chunks.length === 1) return (chunks[0] as Uint8Array).slice()
  const out = new Uint8Array(total)
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}
