/**
 * @signet/profiles: the signing schemes an API team meets besides RFC 9421, over core's message
 * model and backends, under one verification policy. Each scheme is also its own subpath
 * (`@signet/profiles/stripe`, ...), so a bundle carries only what it uses. This file only
 * re-exports.
 *
 * @module
 */
export type { ProfileIdentity, ProfileName, ProfileSignature, ProfileSigner, ProfileVerifier, SignerBaseOptions, VerifierBaseOptions } from './lib/profile.ts'
export { applySignature } from './lib/profile.ts'
export type { ProfilePolicy, ReplayStore, VerifyContext } from './lib/policy.ts'
export * from './standard-webhooks.ts'
export * from './stripe.ts'
export * from './github.ts'
export * from './binance.ts'
export * from './sigv4.ts'
export * from './cavage.ts'
