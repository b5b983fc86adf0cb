/**
 * Stage: the client address against the key's allow and deny lists (403 `ERR_IP_DENIED`). The
 * address is the one `client-ip.ts` settled on (trusted proxies explicit); the CIDR matching is
 * `../ip-rules.ts`.
 *
 * @module
 */
import { SignetError } from '@signet/core/verifying'
import type { ForwardedInfo } from '../client-ip.ts'
import { ipAllowed } from '../ip-rules.ts'
import type { KeyRecord } from '../key-record.ts'

/**
 * Refuse a key used from an address its record does not allow.
 *
 * @param peer - the client address after the trusted-proxy rules.
 * @param record - the key record with its `allowIps` and `denyIps`.
 * @throws {SignetError} `ERR_IP_DENIED`.
 */
export function checkClientIp(peer: ForwardedInfo, record: KeyRecord): void {
  if (!ipAllowed(peer.clientIp, record.allowIps, record.denyIps)) throw new SignetError('ERR_IP_DENIED', 'the key may not be used from this address')
}
