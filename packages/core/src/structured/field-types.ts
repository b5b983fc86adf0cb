/**
 * Structured types of registered HTTP fields, for `;sf` (RFC 9421 section 2.1.1): the
 * "Structured Type" column of the IANA HTTP Field Name Registry (RFC 9110 section 16.3.1,
 * RFC 9651 section 1.2). Fields listed here need no declaration; any other field is
 * declared by the caller (`fieldTypes` option, CLI `--field-type`).
 *
 * @module
 */

/** The three top-level structured-field types (RFC 8941 section 3). */
export type StructuredFieldType = 'item' | 'list' | 'dictionary'

/** Field name (lower-case) to its registered structured type. */
export const registeredFieldTypes: ReadonlyMap<string, StructuredFieldType> = /* @__PURE__ */ new Map<string, StructuredFieldType>([
  // RFC 9421
  ['signature-input', 'dictionary'],
  ['signature', 'dictionary'],
  ['accept-signature', 'dictionary'],
  // RFC 9530
  ['content-digest', 'dictionary'],
  ['repr-digest', 'dictionary'],
  ['want-content-digest', 'dictionary'],
  ['want-repr-digest', 'dictionary'],
  // draft-ietf-webbotauth-httpsig-protocol, section "Signature-Agent"
  ['signature-agent', 'dictionary'],
  // RFC 9218, RFC 9211, RFC 9209, RFC 9213, RFC 9297, RFC 9440
  ['priority', 'dictionary'],
  ['cache-status', 'list'],
  ['proxy-status', 'list'],
  ['cdn-cache-control', 'dictionary'],
  ['capsule-protocol', 'item'],
  ['client-cert', 'item'],
  ['client-cert-chain', 'list'],
  // Fetch, HTML and Client Hints fields registered with a structured type
  ['accept-ch', 'list'],
  ['cross-origin-embedder-policy', 'item'],
  ['cross-origin-embedder-policy-report-only', 'item'],
  ['cross-origin-opener-policy', 'item'],
  ['cross-origin-opener-policy-report-only', 'item'],
  ['origin-agent-cluster', 'item'],
  ['permissions-policy', 'dictionary'],
  ['reporting-endpoints', 'dictionary'],
  ['sec-ch-ua', 'list'],
  ['sec-ch-ua-arch', 'item'],
  ['sec-ch-ua-bitness', 'item'],
  ['sec-ch-ua-full-version-list', 'list'],
  ['sec-ch-ua-mobile', 'item'],
  ['sec-ch-ua-model', 'item'],
  ['sec-ch-ua-platform', 'item'],
  ['sec-ch-ua-platform-version', 'item'],
  ['sec-ch-ua-wow64', 'item'],
  ['idempotency-key', 'item'],
])
