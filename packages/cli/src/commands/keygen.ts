/**
 * `signet keygen`: generate a key pair (or an HMAC secret) and print it as a private JWK.
 *
 * CLI.md: `signet keygen --alg ALG [--kid ID]` prints a private JWK with `kid` (default: the
 * RFC 7638 thumbprint, so the id follows from the key and needs no registry) and the JOSE `alg`
 * (RFC 7518; `EdDSA` for ed25519), which binds the key to its one algorithm (RFC 9421
 * section 7.3.6). ALG is an RFC 9421 name or its JOSE alias (`EdDSA`, `ES256`, ...).
 *
 * @module
 */
import { exportJwk, generateKey, getAlgorithm, thumbprint } from '@signet/core'
import { ALGORITHM_HELP, ALGORITHM_NAMES, getString, parseAlgorithm, parseArgs, usage } from '../args.ts'
import type { CommandUsage, OptionSpecs } from '../args.ts'
import { printJson } from '../io.ts'
import type { CliIO, Command } from '../io.ts'

const options: OptionSpecs = {
  alg: { type: 'string', valueName: 'ALG', description: 'the algorithm, an RFC 9421 or JOSE name (required)' },
  kid: { type: 'string', valueName: 'ID', description: 'the key id', default: 'the RFC 7638 thumbprint' },
}

const USAGE: CommandUsage = {
  synopsis: 'keygen --alg ALG [--kid ID]',
  summary: `Generate a key (an HMAC secret or a key pair) and print it as a private JWK with its kid
and its JOSE alg. Keep the file private; signet pubkey prints the public half.`,
  notes: `${ALGORITHM_HELP}
Example: signet keygen --alg ed25519 > key.jwk`,
}

/**
 * Run `signet keygen`.
 *
 * @param argv - the arguments after `keygen`
 * @param io - the command's surroundings
 * @returns 0; failures are thrown
 * @throws {SignetError} `ERR_USAGE` without `--alg` or with an empty `--kid`,
 *   `ERR_ALG_UNSUPPORTED` for a name outside RFC 9421 section 6.2.2 (exit 2)
 * @example `signet keygen --alg ed25519 > key.jwk`
 */
export const keygenCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  const args = parseArgs(argv, options, { command: 'keygen', maxPositionals: 0, usage: USAGE })
  const alg = getString(args, 'alg')
  if (alg === undefined) throw usage('keygen', `--alg ALG is required: ${ALGORITHM_NAMES}`)
  const kid = getString(args, 'kid')
  if (kid === '') throw usage('keygen', '--kid must not be empty')
  const descriptor = getAlgorithm(parseAlgorithm(alg, 'alg', 'keygen'))
  const key = await generateKey(descriptor.name, { extractable: true, ...(kid === undefined ? {} : { kid }) })
  const jwk: JsonWebKey & { kid?: string } = await exportJwk(key, { private: true })
  // kid first so a reader sees at once which key this is.
  const { kid: exportedKid, alg: exportedAlg, ...members } = jwk
  printJson(io, { kid: kid ?? exportedKid ?? (await thumbprint(jwk)), ...members, alg: exportedAlg ?? descriptor.jose })
  return 0
}
