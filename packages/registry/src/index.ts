/**
 * `@signet/registry`: the API-key lifecycle. Key records, key id and secret formats, encrypted
 * stores (memory, file, Redis), rotation with overlap, revocation, usage and audit.
 *
 * @module
 */
export { crc32 } from './crc32.ts'
export {
  KEY_ID_PATTERN, KEY_ID_PREFIX, SECRET_PATTERN, SECRET_PREFIX, assertKeyId, assertSecret, generateKeyId, generateSecret,
  isKeyId, isSecret, secretFromJwk, secretToJwk,
} from './formats.ts'
export type { SecretJwk } from './formats.ts'
export { generateMasterKey, parseMasterKey } from './envelope.ts'
export type { Sealed } from './envelope.ts'
export { parseDuration } from './duration.ts'
export { checkIpEntry, checkIpList } from './ip-list.ts'
export { effectiveExpiry } from './record.ts'
export type { AuditAction, AuditEntry, KeyState, KeyType, StoredKey, UsageDelta, UsageStats } from './record.ts'
export { DEFAULT_LIFETIME_SECONDS, DEFAULT_OVERLAP_SECONDS, Registry, openRegistry } from './registry.ts'
export type {
  CreateKeyOptions, CreatedKey, KeySummary, RotatedKey, RegistryOptions, RegistryResolver, ResolvedKey, RotateKeyOptions,
} from './registry.ts'
export { UsageRecorder } from './usage.ts'
export type { UsageRecorderOptions, VerificationEvent } from './usage.ts'
export type { Mutation, RegistryStore, StoreMeta } from './stores/store.ts'
export { MemoryStore } from './stores/memory.ts'
export { FileStore } from './stores/file.ts'
export type { FileStoreOptions } from './stores/file.ts'
export { acquireLock } from './stores/file-lock.ts'
export type { LockOptions } from './stores/file-lock.ts'
export { RedisStore, connectRedisStore } from './stores/redis.ts'
export type { RedisStoreOptions } from './stores/redis.ts'
export { REDIS_URL_FORMS, isRedisUrl, openRedisConnection, parseRedisUrl } from './stores/redis-connection.ts'
export type { RedisConnection, RedisConnectionOptions, RedisLocation, RedisNode } from './stores/redis-connection.ts'
export { isRedisSpec, loadMasterKey, openRegistryFromSpec, openRegistryResolver } from './open.ts'
export type { OpenRegistrySpecOptions, OpenedRegistryResolver } from './open.ts'
