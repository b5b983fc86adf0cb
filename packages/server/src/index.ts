/**
 * @signet/server: verify RFC 9421 signed requests with a secure policy, key records, replay
 * protection, IP rules and scopes, on Workers, Deno, Bun, Hono, Node `http` and Express. The Hono
 * middleware is on its own subpath, `@signet/server/hono` (Hono is an optional peer).
 *
 * @module
 */
export { createVerifier } from './verifier.ts'
export type { RejectionContext, VerifiedIdentity, VerificationEvent, Verifier, VerifierOptions, VerifyRequestOptions } from './verifier.ts'
export { resolvePolicy, resolveLimits, normalizeComponent } from './policy.ts'
export type { VerifierPolicy, VerifierLimits, ResolvedPolicy, ResolvedLimits } from './policy.ts'
export { assertKeyUsable, validateKeyRecord } from './key-record.ts'
export type { KeyRecord, KeyResolver, KeyState } from './key-record.ts'
export { memoryKeys } from './resolvers/memory.ts'
export type { MemoryKeyResolver } from './resolvers/memory.ts'
export { jwksKeys, jwksRecords, parseJwks, loadJwksFile } from './resolvers/jwks.ts'
export type { JsonWebKeySet } from './resolvers/jwks.ts'
export { remoteJwks } from './resolvers/remote-jwks.ts'
export type { RemoteJwksOptions, RemoteJwksResolver } from './resolvers/remote-jwks.ts'
export { compileIpList, ipAllowed, parseIp, parseIpRange } from './ip-rules.ts'
export type { IpList, IpRange } from './ip-rules.ts'
export { createForwarding } from './client-ip.ts'
export type { Forwarding, ForwardedInfo, ForwardingOptions } from './client-ip.ts'
export { isNonceStore } from './nonce-store.ts'
export type { NonceStore } from './nonce-store.ts'
export { MemoryNonceStore } from './nonce-stores/memory.ts'
export type { MemoryNonceStoreOptions } from './nonce-stores/memory.ts'
export { RedisNonceStore } from './nonce-stores/redis.ts'
export type { RedisNonceStoreOptions, RedisSetClient } from './nonce-stores/redis.ts'
export { acceptSignatureFor, problemFor, problemResponse, statusForCode } from './problem.ts'
export type { ProblemOptions, ProblemResponse } from './problem.ts'
export { signResponse, signResponseFields } from './response-signing.ts'
export type { ResponseSignatureFields, SignResponseOptions } from './response-signing.ts'
export { defaultClientIp, withSignet } from './adapters/fetch.ts'
export type { FetchAdapterOptions, ScopeRule, VerifierFactory } from './adapters/fetch.ts'
export { readNodeBody, signetExpress, verifyNodeRequest, withSignetNode, writeProblem } from './adapters/node.ts'
export type { NodeAdapterOptions, SignetIncomingMessage } from './adapters/node.ts'
