/**
 * `signet pubkey`: print the public JWK of a key file.
 *
 * CLI.md: the `kid` is kept (a PEM input, which has none, gets the RFC 7638 thumbprint) and so
 * is `alg`, so the output can be published in a JWKS as is. An HMAC key has no public part:
 * printing it would publish the secret, so that is refused (exit 2).
 *
 * @module
 */
import { SignetError, exportJwk, publicKey, thumbprint } from '@signet/core'
import { ALGORITHM_HELP, getString, parseArgs, usage } from '../args.ts'
import type { CommandUsage, OptionSpecs } from '../args.ts'
import { printJson } from '../io.ts'
import type { CliIO, Command } from '../io.ts'
import { loadKey } from '../key-file.ts'

const options: OptionSpecs = {
  alg: {
    type: 'string',
    valueName: 'ALG',
    description: 'the algorithm of a key whose type allows several (RSA), an RFC 9421 or JOSE name',
    default: 'the one the key implies',
  },
}

const USAGE: CommandUsage = {
  synopsis: 'pubkey KEY [--alg ALG]',
  summary: `Print the public JWK of KEY (a JWK or PEM file), keeping its kid and alg; a PEM gets its
RFC 7638 thumbprint as kid, the keyid signet sign sends for it. An HMAC key has no public part.`,
  notes: `${ALGORITHM_HELP}`,
}

/**
 * Run `signet pubkey`.
 *
 * @param argv - the arguments after `pubkey`
 * @param io - the command's surroundings
 * @returns 0; failures are thrown
 * @throws {SignetError} `ERR_USAGE` without KEY, `ERR_IO`, key errors, and
 *   `ERR_KEY_UNSUPPORTED` for an HMAC key (all exit 2)
 * @example `signet pubkey key.jwk > public.jwk`
 */
export const pubkeyCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  const args = parseArgs(argv, options, { command: 'pubkey', maxPositionals: 1, usage: USAGE })
  const file = args.positionals[0]
  if (file === undefined) throw usage('pubkey', 'KEY file is required')
  const key = await loadKey(io, file, { alg: getString(args, 'alg') })
  if (key.algorithm.symmetric) {
    throw new SignetError('ERR_KEY_UNSUPPORTED', `${key.algorithm.name} is a shared secret: it has no public key`)
  }
  const pub = key.type === 'public' ? key : publicKey(key)
  const jwk: JsonWebKey & { kid?: string } = await exportJwk(pub, { private: false })
  const { kid: exportedKid, alg: exportedAlg, ...members } = jwk
  const kid = key.kid ?? exportedKid ?? (await thumbprint(jwk))
  printJson(io, { kid, ...members, alg: exportedAlg ?? key.algorithm.jose })
  return 0
}
