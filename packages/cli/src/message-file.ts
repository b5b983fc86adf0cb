/**
 * Raw HTTP/1.1 message files: reading them into core's message model, and adding field lines
 * to them without re-serializing anything.
 *
 * CLI.md `signet sign`: the output is "the input message byte for byte", with `Content-Digest`
 * (replacing one already there), `Signature-Input` and `Signature` appended after the existing
 * field lines, in the line endings of the input. Re-serializing from the parsed model would
 * lose what RFC 9421 is careful to keep (field-line boundaries, obs-fold, exact spacing, the
 * chunked framing of the body), so edits are made by splicing the original bytes: the end of
 * the header section is found in the text itself and the new lines go just before the blank
 * line. The message signed is the spliced text parsed again, so what is signed is exactly what
 * is printed.
 *
 * @module
 */
import { SignetError, isSignetError, parseHttpMessage } from '@signet/core'
import type { HttpMessage, HttpRequestMessage } from '@signet/core'
import { getString, messageFile } from './args.ts'
import type { ParsedArgs } from './args.ts'
import { readInput } from './io.ts'
import type { CliIO } from './io.ts'

/** A message file as read: its exact bytes and the parsed message. */
export interface MessageFile {
  readonly bytes: Uint8Array
  readonly message: HttpMessage
}

/**
 * Read and parse a raw HTTP/1.1 message file (`-` is standard input).
 *
 * @param io - the command's surroundings
 * @param file - the file name as given
 * @param options - the scheme for an origin-form request; the related request of a response
 * @returns the bytes and the message
 * @throws {SignetError} `ERR_IO` when unreadable, `ERR_MALFORMED_MESSAGE` when not a message
 */
async function readMessageFile(
  io: CliIO,
  file: string,
  options: { scheme: string; request?: HttpRequestMessage | undefined },
): Promise<MessageFile> {
  const bytes = await readInput(io, file, 'message')
  return { bytes, message: parseMessageBytes(bytes, file, options) }
}

/**
 * Parse message bytes with core's `parseHttpMessage`, reporting every failure as a malformed
 * message (exit 2).
 *
 * @param bytes - the raw message
 * @param file - the file name, for error messages
 * @param options - scheme and related request
 * @returns the message
 * @throws {SignetError} `ERR_MALFORMED_MESSAGE` (or the parser's own code)
 */
export function parseMessageBytes(
  bytes: Uint8Array,
  file: string,
  options: { scheme: string; request?: HttpRequestMessage | undefined },
): HttpMessage {
  const parseOptions = options.request === undefined ? { scheme: options.scheme } : { scheme: options.scheme, request: options.request }
  try {
    return parseHttpMessage(bytes, parseOptions)
  } catch (error) {
    if (isSignetError(error)) throw error
    const reason = error instanceof Error ? error.message : String(error)
    throw new SignetError('ERR_MALFORMED_MESSAGE', `${file === '-' ? 'standard input' : JSON.stringify(file)}: ${reason}`, { cause: error })
  }
}

/** Where the field section of a raw message ends, and how its lines end. */
export interface HeaderLayout {
  /** `\r\n` when the start line ends that way, else `\n`. */
  readonly eol: string
  /** Offset at which new field lines are inserted (the start of the blank line). */
  readonly insertAt: number
  /** True when the text ends in a field line without a line ending (one is added first). */
  readonly needsBreak: boolean
  /** Each field line: lower-cased name and the byte range it covers, obs-fold lines included. */
  readonly fields: readonly { readonly name: string; readonly start: number; readonly end: number }[]
}

const LF = 0x0a
const CR = 0x0d

/**
 * Find the field lines and the end of the header section in raw message bytes.
 *
 * @param bytes - the raw message
 * @returns the layout
 */
export function headerLayout(bytes: Uint8Array): HeaderLayout {
  let pos = 0
  // RFC 9112 section 2.2: a recipient ignores empty lines before the start line.
  while (pos < bytes.length && (bytes[pos] === LF || (bytes[pos] === CR && bytes[pos + 1] === LF))) {
    pos += bytes[pos] === CR ? 2 : 1
  }
  const firstEnd = bytes.indexOf(LF, pos)
  if (firstEnd === -1) return { eol: '\r\n', insertAt: bytes.length, needsBreak: true, fields: [] }
  const eol = firstEnd > 0 && bytes[firstEnd - 1] === CR ? '\r\n' : '\n'
  pos = firstEnd + 1
  const fields: { name: string; start: number; end: number }[] = []
  for (;;) {
    if (pos >= bytes.length) return { eol, insertAt: bytes.length, needsBreak: false, fields }
    const lineEnd = bytes.indexOf(LF, pos)
    const end = lineEnd === -1 ? bytes.length : lineEnd + 1
    const contentEnd = lineEnd === -1 ? bytes.length : lineEnd > pos && bytes[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd
    if (contentEnd === pos) return { eol, insertAt: pos, needsBreak: false, fields }
    const first = bytes[pos]
    const last = fields[fields.length - 1]
    if ((first === 0x20 || first === 0x09) && last !== undefined) {
      // obs-fold (RFC 9112 section 5.2): the continuation belongs to the previous field line.
      fields[fields.length - 1] = { ...last, end }
    } else {
      const colon = bytes.indexOf(0x3a, pos)
      const nameEnd = colon === -1 || colon > contentEnd ? contentEnd : colon
      let name = ''
      for (let i = pos; i < nameEnd; i++) name += String.fromCharCode(bytes[i] as number)
      fields.push({ name: name.trim().toLowerCase(), start: pos, end })
    }
    if (lineEnd === -1) return { eol, insertAt: bytes.length, needsBreak: true, fields }
    pos = end
  }
}

/**
 * Remove every field line named in `remove` and append `append` after the last field line,
 * leaving every other byte as it was.
 *
 * @param bytes - the raw message
 * @param edit - lower-case names to remove; `[name, value]` lines to append, in order
 * @returns the edited message
 * @example spliceFieldLines(raw, { remove: ['content-digest'], append: [['Content-Digest', 'sha-256=:...:']] })
 */
export function spliceFieldLines(
  bytes: Uint8Array,
  edit: { remove?: readonly string[]; append: readonly (readonly [string, string])[] },
): Uint8Array {
  const layout = headerLayout(bytes)
  const removed = new Set(edit.remove ?? [])
  const drop = layout.fields.filter((f) => removed.has(f.name))
  let added = layout.needsBreak ? layout.eol : ''
  for (const [name, value] of edit.append) added += `${name}: ${value}${layout.eol}`
  const insert = new TextEncoder().encode(added)
  const parts: Uint8Array[] = []
  let pos = 0
  for (const field of drop) {
    parts.push(bytes.subarray(pos, field.start))
    pos = field.end
  }
  parts.push(bytes.subarray(pos, layout.insertAt), insert, bytes.subarray(layout.insertAt))
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/**
 * The values of every field line with the given name, in order.
 *
 * @param message - the parsed message
 * @param name - the lower-case field name
 * @returns the values (empty when the field is absent)
 */
export function fieldValues(message: HttpMessage, name: string): string[] {
  return message.fields.filter((f) => f.name === name).map((f) => f.value)
}

/**
 * Read the `--request` file of a response and check that it holds a request.
 *
 * @param io - the command's surroundings
 * @param file - the file name, or undefined when not given
 * @param scheme - the scheme for an origin-form request
 * @param command - the command name, for error messages
 * @returns the request, or undefined
 * @throws {SignetError} `ERR_IO`, `ERR_MALFORMED_MESSAGE`, or `ERR_USAGE` when it is a response
 */
async function readRelatedRequest(
  io: CliIO,
  file: string | undefined,
  scheme: string,
  command: string,
): Promise<HttpRequestMessage | undefined> {
  if (file === undefined) return undefined
  const { message } = await readMessageFile(io, file, { scheme })
  if (message.kind !== 'request') {
    throw new SignetError('ERR_USAGE', `signet ${command}: --request ${JSON.stringify(file)} holds a response, not a request`)
  }
  return message
}

/** The message a command was given, with its file name and related request. */
export interface CommandMessage extends MessageFile {
  /** The file name as given (`-` for standard input). */
  readonly file: string
  /** The `--request` message, for a response. */
  readonly request: HttpRequestMessage | undefined
}

/**
 * Read the message file argument and its `--request` (read first: a response is parsed against
 * it).
 *
 * @param io - the command's surroundings
 * @param args - parsed arguments of a command taking the message options
 * @param scheme - the checked `--scheme`
 * @param command - the command name, for error messages
 * @returns the message, its bytes, file name and related request
 * @throws {SignetError} as {@link readRelatedRequest} and {@link readMessageFile}
 */
export async function readCommandMessage(io: CliIO, args: ParsedArgs, scheme: string, command: string): Promise<CommandMessage> {
  const request = await readRelatedRequest(io, getString(args, 'request'), scheme, command)
  const file = messageFile(args)
  const { bytes, message } = await readMessageFile(io, file, { scheme, request })
  return { bytes, message, file, request }
}
