/**
 * Field-line helpers shared by the message builders: name validation and the OWS trimming of
 * RFC 9110 section 5.5, on strings that carry one byte per character.
 *
 * @module
 */

const TCHAR = /* @__PURE__ */ (() => {
  const t = new Uint8Array(128)
  for (const c of "!#$%&'*+-.^_`|~") t[c.charCodeAt(0)] = 1
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1
  return t
})()

/** True when `name` is a non-empty token (RFC 9110 section 5.6.2). */
export function isToken(name: string): boolean {
  if (name.length === 0) return false
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c >= 128 || TCHAR[c] !== 1) return false
  }
  return true
}

/** Trim SP and HTAB (OWS) from both ends. */
export function trimOws(value: string): string {
  let start = 0
  let end = value.length
  while (start < end) {
    const c = value.charCodeAt(start)
    if (c !== 0x20 && c !== 0x09) break
    start++
  }
  while (end > start) {
    const c = value.charCodeAt(end - 1)
    if (c !== 0x20 && c !== 0x09) break
    end--
  }
  return start === 0 && end === value.length ? value : value.slice(start, end)
}

/**
 * True when a field value holds only field-vchar, SP, HTAB and obs-text (RFC 9110 section 5.5):
 * no NUL, CR, LF or other control characters.
 */
export function isFieldValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) return false
  }
  return true
}
