import { writeFile } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'

/**
 * Save a request exactly as the server received it, as HTTP/1.1 text for `signet base`:
 * the request target as sent, the field lines in order with repeats kept, then the body.
 */
export async function captureRequest(req: IncomingMessage, body: Uint8Array, file: string): Promise<void> {
  let head = `${req.method} ${req.url} HTTP/1.1\r\n`
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    // Node has already decoded a chunked body; the saved file holds the plain bytes.
    if (req.rawHeaders[i]!.toLowerCase() === 'transfer-encoding') continue
    head += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`
  }
  await writeFile(file, new Uint8Array([...new TextEncoder().encode(`${head}\r\n`), ...body]))
}
