/**
 * Algorithm names on the command line: an RFC 9421 name or its JOSE alias, wherever a command
 * takes an algorithm (`--alg` of keygen, pubkey, sign, verify, fetch and keys create).
 *
 * @module
 */
import { SignetError, algorithms } from '@signet/core'
import type { AlgorithmName } from '@signet/core'

/**
 * Every algorithm name the command line accepts, RFC 9421 names first, then their JOSE aliases
 * (RFC 7518 section 3.1, RFC 8037 section 3.1), for error messages.
 */
export const ALGORITHM_NAMES: string = `${algorithms.map((a) => a.name).join(', ')} (or ${algorithms.map((a) => a.jose).join(', ')})`

/** The ALG line of `--help`, the names over two lines. */
export const ALGORITHM_HELP: string = `ALG: ${algorithms.map((a) => a.name).join(', ')},
     or their JOSE names ${algorithms.map((a) => a.jose).join(', ')}.`

/**
 * Resolve an algorithm named on the command line: an RFC 9421 name (`ecdsa-p256-sha256`) or its
 * JOSE alias (`ES256`), the name a JWK's `alg` carries. Only the command line takes aliases: in
 * a signature's `alg` parameter RFC 9421 names alone are valid, and core keeps to them.
 *
 * @param value - the option value
 * @param option - the option name, for error messages
 * @param command - the command name, for error messages (omitted: the message names none)
 * @returns the RFC 9421 name
 * @throws {SignetError} `ERR_ALG_UNSUPPORTED` for any other name, listing the valid ones
 * @example parseAlgorithm('EdDSA', 'alg', 'keygen') // 'ed25519'
 */
export function parseAlgorithm(value: string, option: string, command?: string): AlgorithmName {
  const found = algorithms.find((a) => a.name === value || a.jose === value)
  if (found === undefined) {
    const where = command === undefined ? '' : `signet ${command}: `
    throw new SignetError('ERR_ALG_UNSUPPORTED', `${where}--${option} expects one of ${ALGORITHM_NAMES}, got ${JSON.stringify(value.slice(0, 40))}`)
  }
  return found.name
}
