/**
 * Draining a byte stream under a size limit. It imports nothing: the request body reader
 * (body.ts) and the problem-document reader (clock-offset.ts, loaded with the first 401) share
 * it, and a module a lazy one imports is split into a chunk of its own with all it imports.
 *
 * @module
 */

/**
 * Read a byte stream to the end, unless it carries more than `maxBytes`.
 *
 * @param stream - the stream to drain; it is cancelled when the limit is passed.
 * @param maxBytes - the largest accepted total length.
 * @returns the concatenated bytes, or undefined when the stream is over the limit.
 * @example const bytes = await readBounded(response.body!, 65_536)
 */
export async function readBounded(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array | undefined> {
  // The lock is never released: a drained body stays locked, so a second attempt to sign the
  // same Request is refused as ERR_BODY_USED even where `bodyUsed` is not set by reading
  // through a reader (happy-dom).
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
      await reader.cancel().catch(() => undefined)
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
