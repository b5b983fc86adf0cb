import { createSignatureBase, fromFetchRequest, parseSignatures } from '@signet/core'

/**
 * The signature base of each signature on a request, in the format of `signet base`. Call it on
 * the signed request in the client and on the received request in the server, then compare.
 */
export async function signatureBases(request: Request): Promise<string> {
  const message = await fromFetchRequest(request)
  return parseSignatures(message)
    .map((s) => `# ${s.label}\n${createSignatureBase(message, s.input.components, s.input.serialized)}\n`)
    .join('\n')
}
