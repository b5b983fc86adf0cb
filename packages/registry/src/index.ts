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
export type {
  AuditAction, AuditEntry, CreditsSpec, KeyState, KeyType, RateLimitSpec, StoredKey, UsageBucket, UsageDelta, UsageStats,
} from './record.ts'
export { MAX_RATE_LIMIT, formatRateLimit, gcra, parseRateLimit } from './rate-limit.ts'
export type { GcraStep } from './rate-limit.ts'
export { creditsWindow } from './credits.ts'
export type { CreditsOptions, CreditsRefill } from './credits.ts'
export { MemoryQuota } from './quota.ts'
export type { QuotaCheck, QuotaDecision, QuotaStore } from './quota.ts'
export { RedisQuota } from './stores/redis-quota.ts'
export { FileQuota } from './stores/file-quota.ts'
export { BUCKET_SECONDS, DEFAULT_USAGE_RETENTION } from './usage-buckets.ts'
export type { UsageGranularity, UsageRetention } from './usage-buckets.ts'
export { secretScanningHandler } from './secret-scanning.ts'
export type { SecretScanningOptions, SecretScanningResult } from './secret-scanning.ts'
export { DEFAULT_LIFETIME_SECONDS, DEFAULT_OVERLAP_SECONDS, Registry, openRegistry } from './registry.ts'
export type {
  CreateKeyOptions, CreatedKey, KeyLimits, KeySummary, RotatedKey, RegistryOptions, RegistryResolver, ResolvedKey, RotateKeyOptions,
  UpdateKeyOptions,
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
