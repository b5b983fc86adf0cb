/**
 * The indefinite article for a word in an error message: "an Ed25519 key", "an oct key",
 * "an RSA key", "a P-256 key". Internal; messages only.
 *
 * English picks the article by sound: a word that starts with a vowel letter takes "an"; so
 * does an acronym read letter by letter whose first letter's name starts with a vowel sound
 * (F, H, L, M, N, R, S, X: "an RSA", "an HMAC").
 *
 * @module
 */

/** Acronyms written in lower case in algorithm names (`rsa-pss-sha512`, `hmac-sha256`). */
const LOWER_ACRONYMS: ReadonlySet<string> = new Set(['rsa', 'hmac', 'sha', 'rsassa'])

/**
 * `word` with its indefinite article.
 *
 * @param word - the word the article goes before
 * @returns `an word` or `a word`
 * @example withArticle('Ed25519') // 'an Ed25519'
 */
export function withArticle(word: string): string {
  if (/^[aeiou]/i.test(word)) return `an ${word}`
  const head = /^[A-Za-z]+/.exec(word)?.[0] ?? ''
  const acronym = head.length > 1 && (head === head.toUpperCase() || LOWER_ACRONYMS.has(head))
  return `${acronym && /^[fhlmnrsx]/i.test(head) ? 'an' : 'a'} ${word}`
}
