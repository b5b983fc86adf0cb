/**
 * Builders of the message model: Fetch objects, Node requests and raw HTTP/1.1 text.
 *
 * @module
 */
export { fromFetchRequest, fromFetchResponse, requestMessage } from './from-fetch.ts'
export { describedMessage, fieldsOf, headerEntries } from './from-description.ts'
export type { DescriptionHeaders, HeaderEntry } from './from-description.ts'
export type { FromNodeRequestOptions, NodeRequestLike } from './from-node.ts'
export { fromNodeRequest } from './from-node.ts'
export type { ParseHttpMessageOptions } from './parse-http-message.ts'
export { parseHttpMessage } from './parse-http-message.ts'
