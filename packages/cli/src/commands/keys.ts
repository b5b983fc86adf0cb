/**
 * `signet keys`: the API-key lifecycle over a registry (CLI.md "Keys (`signet keys`)").
 *
 * ```
 * signet keys create  REGISTRY --owner O (--alg ALG | --public-key FILE) [--scopes "s1 s2"]
 *                     [--allow-ip "CIDR ..."] [--deny-ip "CIDR ..."] [--expires-in DURATION|never]
 *                     [--not-before UNIX] [--rate-limit N/PERIOD] [--credits N] [--credits-refill daily|monthly|none]
 * signet keys update  REGISTRY KEYID [--scopes] [--allow-ip] [--deny-ip] [--expires-in] [--label L]
 *                     [--rate-limit N/PERIOD|none] [--credits N|none] [--credits-refill daily|monthly|none]
 * signet keys list    REGISTRY [--owner O]
 * signet keys show    REGISTRY KEYID
 * signet keys rotate  REGISTRY KEYID [--overlap DURATION] [--expires-in DURATION|never] [--public-key FILE]
 * signet keys disable|enable|revoke REGISTRY KEYID
 * signet keys usage   REGISTRY KEYID [--since UNIX] [--by minute|hour|day]
 * signet keys audit   REGISTRY [--since UNIX]
 * signet keys rewrap  REGISTRY --new-master-key-file FILE
 * signet keys [SUBCOMMAND] --help
 * ```
 *
 * `rewrap` rotates the master key: the registry's data key is wrapped again under the key in
 * FILE (32 bytes in base64url, as `SIGNET_MASTER_KEY`), one small atomic write; secrets and
 * records stay as they are. The new key is read from a file only, never from the command line,
 * where shell history and process listings would keep it. Not in CLI.md: an addition. It is
 * audited as a `rewrap` entry with empty `keyid` and `owner`.
 *
 * `rotate` of a key registered from its owner's public key needs `--public-key FILE` (the
 * registry refuses with `ERR_USAGE` rather than generate a pair the owner never asked for);
 * `show` and `list` print such a key with `"generated": false`, so this is visible beforehand.
 * `--overlap` is at most 30 days: an unparsable duration is `ERR_USAGE` here, a longer one
 * `ERR_INVALID_EXPIRY` from the registry, both before anything is written.
 *
 * `update` changes a live key (audited as `update`); `--credits N` sets what is left to N.
 * `rotate` gives the successor the old key's remaining lifetime unless `--expires-in` is given.
 * `usage` prints one JSON line per non-empty bucket `{ "start", "requests", "rejections" }`.
 *
 * `--scopes` is split on whitespace only (a scope token may contain a comma); the IP lists on
 * whitespace or commas. An explicit lifetime is at most 100 years (`never` is the only way to
 * have none): the registry refuses more with `ERR_INVALID_EXPIRY` before writing.
 *
 * REGISTRY is `--registry PATH` or `--registry redis://H:P` (also accepted as the first
 * positional argument). The master key comes from `--master-key-file FILE` or
 * `SIGNET_MASTER_KEY`. Every argument is checked before the registry is opened, so bad input
 * writes nothing; the registry itself checks key ids (CRC-32), IP lists and expiry before it
 * writes. Secrets appear only in the output of `create` and `rotate`, and only once: when that
 * output cannot be written, the new key is revoked and the command fails (`ERR_IO`), so no live
 * key has a secret no one saw. Output is JSON: one document for `create`, `list`, `show`,
 * `rotate`, `disable`, `enable` and `revoke`; JSON lines for `usage` and `audit`; on a terminal
 * `list`, `show`, `usage` and `audit` print tables instead. The read-only commands (`list`,
 * `show`, `usage`, `audit`) refuse a path with no registry (`ERR_IO`) rather than create one.
 * Failures are coded errors (exit 2) reported by the dispatcher.
 *
 * @module
 */
import { existsSync } from 'node:fs'
import { hostname, userInfo } from 'node:os'
import { resolve } from 'node:path'
import { SignetError, fromUtf8 } from '@signet/core'
import type { AlgorithmName, JwkInput } from '@signet/core'
import { assertKeyId, openRegistryFromSpec, parseDuration, parseMasterKey, parseRateLimit } from '@signet/registry'
import type { CreditsOptions, RateLimitSpec, Registry, UpdateKeyOptions, UsageGranularity } from '@signet/registry'
import { ALGORITHM_HELP, formatOptions, getString, parseAlgorithm, parseArgs, parseSeconds, usage, wantsHelp } from '../args.ts'
import type { OptionSpec, OptionSpecs, ParsedArgs } from '../args.ts'
import { printJson, readInput, writeConfirmed } from '../io.ts'
import { printRecords } from '../terminal-table.ts'
import type { CliIO, Command } from '../io.ts'

const common: OptionSpecs = {
  registry: { type: 'string', valueName: 'PATH|redis://H:P', description: 'the registry (or the first argument)' },
  'master-key-file': { type: 'string', valueName: 'FILE', description: 'the master key, 32 bytes in base64url', default: 'SIGNET_MASTER_KEY' },
}

const scopesSpec: OptionSpec = { type: 'string', valueName: '"s1 s2"', description: 'scopes, separated by spaces', default: 'none' }
const allowSpec: OptionSpec = { type: 'string', valueName: '"CIDR ..."', description: 'client addresses allowed (spaces or commas)', default: 'any' }
const denySpec: OptionSpec = { type: 'string', valueName: '"CIDR ..."', description: 'client addresses refused (spaces or commas)', default: 'none' }
const expiresInSpec: OptionSpec = { type: 'string', valueName: 'DURATION|never', description: 'lifetime from now', default: 'never' }
const rateLimitSpec: OptionSpec = { type: 'string', valueName: 'N/PERIOD', description: 'at most N requests per PERIOD (1s, 1m, 1h, 1d), a token bucket', default: 'none' }
const creditsSpec: OptionSpec = { type: 'string', valueName: 'N', description: 'uses allowed; a key with none left gets 429 ERR_CREDITS_EXHAUSTED', default: 'unlimited' }
const refillSpec: OptionSpec = { type: 'string', valueName: 'daily|monthly|none', description: 'when credits are refilled to N (UTC)', default: 'none' }

const specs: Readonly<Record<string, OptionSpecs>> = {
  create: {
    ...common,
    owner: { type: 'string', valueName: 'O', description: 'who the key is for (required)' },
    alg: { type: 'string', valueName: 'ALG', description: 'generate a key for this algorithm, an RFC 9421 or JOSE name' },
    'public-key': { type: 'string', valueName: 'FILE', description: "register the owner's public key (JWK or PEM) instead" },
    scopes: scopesSpec,
    'allow-ip': allowSpec,
    'deny-ip': denySpec,
    'expires-in': expiresInSpec,
    'not-before': { type: 'string', valueName: 'UNIX', description: 'the key verifies from this time', default: 'now' },
    'rate-limit': rateLimitSpec,
    credits: creditsSpec,
    'credits-refill': refillSpec,
  },
  update: {
    ...common,
    scopes: { ...scopesSpec, description: 'replace the scopes', default: 'unchanged' },
    'allow-ip': { ...allowSpec, description: 'replace the allowed client addresses', default: 'unchanged' },
    'deny-ip': { ...denySpec, description: 'replace the refused client addresses', default: 'unchanged' },
    'expires-in': { ...expiresInSpec, description: 'a new lifetime from now', default: 'unchanged' },
    label: { type: 'string', valueName: 'L', description: 'the key\'s label (empty: none)', default: 'unchanged' },
    'rate-limit': { ...rateLimitSpec, valueName: 'N/PERIOD|none', default: 'unchanged' },
    credits: { ...creditsSpec, valueName: 'N|none', description: 'the key has N uses left from now (none: unlimited)', default: 'unchanged' },
    'credits-refill': { ...refillSpec, description: 'with --credits: when they are refilled to N (UTC)' },
  },
  list: { ...common, owner: { type: 'string', valueName: 'O', description: 'only the keys of this owner', default: 'every owner' } },
  show: common,
  rotate: {
    ...common,
    overlap: { type: 'string', valueName: 'DURATION', description: 'how long the old key keeps verifying, at most 30d', default: '1d' },
    'expires-in': { ...expiresInSpec, default: "the old key's remaining lifetime" },
    'public-key': { type: 'string', valueName: 'FILE', description: "the successor's public key (required for a key registered from one)" },
  },
  disable: common,
  enable: common,
  revoke: common,
  usage: {
    ...common,
    since: { type: 'string', valueName: 'UNIX', description: 'buckets from this time', default: 'one day ago' },
    by: { type: 'string', valueName: 'minute|hour|day', description: 'the bucket length', default: 'hour' },
  },
  audit: { ...common, since: { type: 'string', valueName: 'UNIX', description: 'only entries from this time', default: 'every entry' } },
  rewrap: { ...common, 'new-master-key-file': { type: 'string', valueName: 'FILE', description: 'the new master key (required)' } },
}

/** Subcommands that only read: they refuse a registry path where there is none. */
const READ_ONLY: ReadonlySet<string> = new Set(['list', 'show', 'usage', 'audit'])

/** The columns of `keys list` on a terminal (a pipe gets every member, as JSON). */
const LIST_COLUMNS: readonly string[] = ['keyid', 'owner', 'alg', 'state', 'scopes', 'created', 'expires', 'lastUsed']
/** The columns of `keys usage` on a terminal. */
const USAGE_COLUMNS: readonly string[] = ['start', 'requests', 'rejections']
/** The columns of `keys audit` on a terminal. */
const AUDIT_COLUMNS: readonly string[] = ['time', 'action', 'keyid', 'owner', 'actor', 'details']

/**
 * `keys create --public-key`: the registered public JWK, with `kid` set to the registry's key
 * id, as `jwk` (for a JWKS), and `sign`, the command line that signs with the matching private
 * key (CLI.md "Keys and key ids"). The registry returns that JWK as `publicKey`.
 */
function withSigningHint<T extends { keyid: string; generated?: boolean; publicKey?: JsonWebKey }>(created: T): T {
  if (created.generated !== false || created.publicKey === undefined) return created
  return Object.assign(created, {
    jwk: created.publicKey,
    sign: `signet sign --key YOUR-PRIVATE-KEY --keyid ${created.keyid} MESSAGE`,
  })
}

/**
 * Print the output of \`create\`, which holds a secret shown this once, and make sure it arrived.
 * When standard output cannot take it (a closed pipe, a full disk), no one will ever see that
 * secret: the new key is revoked at once, so no live key exists whose secret is unknown, and
 * the failure is reported (ERR_IO, exit 2) naming the revoked key id. Run create again.
 */
async function deliverOnce(io: CliIO, registry: Registry, keyid: string, text: string, retry = 'run create again'): Promise<void> {
  try {
    await writeConfirmed(io, text)
  } catch (cause) {
    let outcome = `it was revoked, so no key is live whose secret no one saw; ${retry}`
    try {
      await registry.revoke(keyid)
    } catch {
      outcome = 'revoking it failed too: revoke it with signet keys revoke'
    }
    const reason = (cause as { code?: unknown }).code
    throw new SignetError(
      'ERR_IO',
      `cannot write the new key to standard output${typeof reason === 'string' ? ` (${reason})` : ''}: key ${keyid} was created, ${outcome}`,
      { cause },
    )
  }
}

/** Subcommands that name one key. */
const takesKeyId = new Set(['show', 'update', 'rotate', 'disable', 'enable', 'revoke', 'usage'])

const SUBCOMMANDS = 'create|update|list|show|rotate|disable|enable|revoke|usage|audit|rewrap'

/** Split a space- or comma-separated IP list (`--allow-ip`, `--deny-ip`) into its entries. */
function words(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  return value.split(/[\s,]+/).filter((w) => w !== '')
}

/**
 * Split `--scopes "s1 s2"` on whitespace only: a scope token (RFC 6749 section 3.3) may
 * contain a comma, so `"a,b c"` is the two scopes `a,b` and `c`.
 */
function scopeWords(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined
  return value.split(/\s+/).filter((w) => w !== '')
}

/** The help text of `signet keys` (`signet keys --help`, `signet keys SUBCOMMAND --help`). */
const KEYS_USAGE: string = `Usage: signet keys SUBCOMMAND REGISTRY [options]

Manage API keys in a registry. REGISTRY is --registry PATH (an encrypted file, created on
first use) or --registry redis://H:P, or the first argument. The master key comes from
--master-key-file FILE or SIGNET_MASTER_KEY (32 bytes, base64url).

Subcommands:
  create  REGISTRY --owner O (--alg ALG | --public-key FILE) [--scopes "s1 s2"]
          [--allow-ip "CIDR ..."] [--deny-ip "CIDR ..."] [--expires-in DURATION|never]
          [--not-before UNIX] [--rate-limit N/PERIOD] [--credits N] [--credits-refill R]
  update  REGISTRY KEYID [--scopes "s1 s2"] [--allow-ip "CIDR ..."] [--deny-ip "CIDR ..."]
          [--expires-in DURATION|never] [--label L] [--rate-limit N/PERIOD|none]
          [--credits N|none] [--credits-refill daily|monthly|none]
  list    REGISTRY [--owner O]
  show    REGISTRY KEYID
  rotate  REGISTRY KEYID [--overlap DURATION] [--expires-in DURATION|never] [--public-key FILE]
          (--public-key is required for a key registered from its owner's public key;
          the successor keeps the old key's remaining lifetime unless --expires-in is given)
  disable|enable|revoke REGISTRY KEYID          revoke is final
  usage   REGISTRY KEYID [--since UNIX] [--by minute|hour|day]
          one JSON line per bucket: { "start", "requests", "rejections": { CODE: n } }
  audit   REGISTRY [--since UNIX]                JSON lines
  rewrap  REGISTRY --new-master-key-file FILE    rotate the master key

${ALGORITHM_HELP}
DURATION: a whole number and a unit s, m, h, d or w (90d, 12h, 30m); at most 100 years.
N/PERIOD: at most N requests per PERIOD (100/1m, 5/1s), a token bucket: N at once, then
one every PERIOD/N. Over it: 429 ERR_RATE_LIMITED. --credits N: N uses (refilled to N
daily or monthly with --credits-refill); none left: 429 ERR_CREDITS_EXHAUSTED. Requests
refused for their IP, signature or scope use neither.
--overlap: how long the old key keeps verifying (default 1d, 0 for none), at most 30d and
never past the old key's own expiry.
list and show print "generated": false for a key registered from its owner's public key:
its rotation needs --public-key.
Scopes are separated by spaces; IP lists by spaces or commas. Secrets are printed only by
create and rotate, once. Set SIGNET_ACTOR to name who acts in the audit log.
`

function expiresIn(value: string | undefined, command: string): number | null | undefined {
  if (value === undefined) return undefined
  if (value === 'never') return null
  try {
    return parseDuration(value, 'expires-in')
  } catch (err) {
    throw usage(command, (err as Error).message)
  }
}

function actorOf(io: CliIO): string {
  const fromEnv = io.env['SIGNET_ACTOR']
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv.slice(0, 256)
  try {
    return `${userInfo().username}@${hostname()}`
  } catch {
    return `unknown@${hostname()}`
  }
}

async function readPublicKey(io: CliIO, name: string): Promise<JwkInput | string> {
  const bytes = await readInput(io, name, 'public key')
  let text: string
  try {
    text = fromUtf8(bytes).trim()
  } catch {
    throw new SignetError('ERR_KEY_INVALID', `the public key file ${JSON.stringify(name)} is not text (JWK or PEM)`)
  }
  if (!text.startsWith('{')) return text
  try {
    return JSON.parse(text) as JwkInput
  } catch {
    throw new SignetError('ERR_KEY_INVALID', `the public key file ${JSON.stringify(name)} is not valid JSON`)
  }
}

/** The registry spec and the key id from `--registry` or the positionals. */
function locate(args: ParsedArgs, sub: string): { spec: string; keyid: string | undefined } {
  const command = `keys ${sub}`
  const wantsKey = takesKeyId.has(sub)
  const positionals = [...args.positionals]
  let spec = getString(args, 'registry')
  if (spec === undefined) spec = positionals.shift()
  if (spec === undefined || spec === '') throw usage(command, 'a registry is required: --registry PATH or --registry redis://H:P')
  const keyid = wantsKey ? positionals.shift() : undefined
  if (wantsKey && keyid === undefined) throw usage(command, 'a KEYID is required')
  if (positionals.length > 0) throw usage(command, `unexpected argument ${JSON.stringify(positionals[0]?.slice(0, 80))}`)
  // Checked before the registry is opened: a mistyped key id never reaches a lookup.
  if (keyid !== undefined) assertKeyId(keyid)
  return { spec, keyid }
}

/** Options for `create`, validated before anything is opened. */
async function createOptions(args: ParsedArgs, io: CliIO) {
  const command = 'keys create'
  const owner = getString(args, 'owner')
  if (owner === undefined || owner.trim() === '') throw usage(command, '--owner is required')
  const alg = getString(args, 'alg')
  const publicKeyFile = getString(args, 'public-key')
  if (alg === undefined && publicKeyFile === undefined) throw usage(command, 'one of --alg or --public-key is required')
  let algName: AlgorithmName | undefined
  try {
    algName = alg === undefined ? undefined : parseAlgorithm(alg, 'alg', command)
  } catch (error) {
    // keys create has always called an unknown name a usage error; the message lists the names.
    throw new SignetError('ERR_USAGE', (error as Error).message)
  }
  if (algName === 'hmac-sha256' && publicKeyFile !== undefined) throw usage(command, 'HMAC keys are generated here: --public-key does not apply')
  const notBefore = getString(args, 'not-before')
  return {
    owner,
    ...(algName === undefined ? {} : { alg: algName }),
    ...(publicKeyFile === undefined ? {} : { publicKey: await readPublicKey(io, publicKeyFile) }),
    ...(scopeWords(getString(args, 'scopes')) === undefined ? {} : { scopes: scopeWords(getString(args, 'scopes')) as string[] }),
    ...(words(getString(args, 'allow-ip')) === undefined ? {} : { allowIps: words(getString(args, 'allow-ip')) as string[] }),
    ...(words(getString(args, 'deny-ip')) === undefined ? {} : { denyIps: words(getString(args, 'deny-ip')) as string[] }),
    ...(getString(args, 'expires-in') === undefined ? {} : { expiresIn: expiresIn(getString(args, 'expires-in'), command) as number | null }),
    ...(notBefore === undefined ? {} : { notBefore: parseSeconds(notBefore, 'not-before', command) }),
    ...(limitOptions(args, command) as { rateLimit?: RateLimitSpec; credits?: CreditsOptions }),
  }
}

/** `--rate-limit`, `--credits`, `--credits-refill` of create and update (`none` removes, on update). */
function limitOptions(args: ParsedArgs, command: string): { rateLimit?: RateLimitSpec | null; credits?: CreditsOptions | null } {
  const out: { rateLimit?: RateLimitSpec | null; credits?: CreditsOptions | null } = {}
  const rate = getString(args, 'rate-limit')
  const updating = command === 'keys update'
  if (rate !== undefined) {
    if (updating && rate === 'none') out.rateLimit = null
    else {
      try {
        out.rateLimit = parseRateLimit(rate)
      } catch (err) {
        throw usage(command, (err as Error).message)
      }
    }
  }
  const credits = getString(args, 'credits')
  const refill = getString(args, 'credits-refill')
  if (refill !== undefined && !['daily', 'monthly', 'none'].includes(refill)) throw usage(command, `--credits-refill expects daily, monthly or none, got ${JSON.stringify(refill.slice(0, 20))}`)
  if (refill !== undefined && credits === undefined) throw usage(command, '--credits-refill goes with --credits N')
  if (credits !== undefined) {
    if (updating && credits === 'none') out.credits = null
    else {
      if (!/^[0-9]{1,15}$/.test(credits)) throw usage(command, `--credits expects a whole number of uses${updating ? ' or none' : ''}, got ${JSON.stringify(credits.slice(0, 20))}`)
      out.credits = { amount: Number(credits), refill: (refill ?? 'none') as CreditsOptions['refill'] & string }
    }
  }
  return out
}

/** Options for `update`, validated before anything is opened. */
function updateOptions(args: ParsedArgs): UpdateKeyOptions {
  const command = 'keys update'
  const scopes = scopeWords(getString(args, 'scopes'))
  const allow = words(getString(args, 'allow-ip'))
  const deny = words(getString(args, 'deny-ip'))
  const label = getString(args, 'label')
  const life = getString(args, 'expires-in')
  const options: UpdateKeyOptions = {
    ...(scopes === undefined ? {} : { scopes }),
    ...(allow === undefined ? {} : { allowIps: allow }),
    ...(deny === undefined ? {} : { denyIps: deny }),
    ...(label === undefined ? {} : { label }),
    ...(life === undefined ? {} : { expiresIn: expiresIn(life, command) as number | null }),
    ...limitOptions(args, command),
  }
  if (Object.keys(options).length === 0) throw usage(command, 'nothing to change: give --scopes, --allow-ip, --deny-ip, --expires-in, --label, --rate-limit or --credits')
  return options
}

/** The new master key of `rewrap`, read and checked before the registry is opened. */
async function readNewMasterKey(args: ParsedArgs, io: CliIO): Promise<Uint8Array> {
  const file = getString(args, 'new-master-key-file')
  if (file === undefined) throw usage('keys rewrap', '--new-master-key-file is required (the new key is never taken from the command line)')
  const bytes = await readInput(io, file, 'new master key')
  let text: string
  try {
    text = fromUtf8(bytes)
  } catch {
    throw new SignetError('ERR_MASTER_KEY', `the new master key file ${JSON.stringify(file)} is not text`)
  }
  return parseMasterKey(text)
}

/** `{ keyid, alg, owner, expires, ... }` first, as CLI.md lists them. */
function shown<T extends { keyid: string; alg: string; owner: string; expires: number | null }>(value: T): T {
  return Object.assign({ keyid: value.keyid, alg: value.alg, owner: value.owner, expires: value.expires }, value)
}

/**
 * `signet keys SUBCOMMAND ...` (argv is what follows `keys`).
 *
 * @param argv - the subcommand and its arguments
 * @param io - the process seam
 * @returns 0 on success (failures are thrown as coded errors: exit 2)
 * @throws {SignetError} `ERR_USAGE`, `ERR_KEY_ID_MALFORMED`, `ERR_KEY_NOT_FOUND`,
 *   `ERR_INVALID_STATE`, `ERR_INVALID_IP_RANGE`, `ERR_INVALID_EXPIRY`, `ERR_MASTER_KEY`,
 *   `ERR_REGISTRY_CORRUPT`, `ERR_REGISTRY_LOCKED`, `ERR_STORE_UNAVAILABLE`, `ERR_IO`
 */
export const keysCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  const sub = argv[0]
  if (sub === 'help' || wantsHelp(argv)) {
    const one = sub !== undefined && Object.hasOwn(specs, sub) ? sub : undefined
    io.stdout(one === undefined ? KEYS_USAGE : `${KEYS_USAGE}\nOptions of keys ${one}:\n${formatOptions(specs[one] as OptionSpecs)}`)
    return 0
  }
  if (sub === undefined || !Object.hasOwn(specs, sub)) {
    throw usage('keys', `expected a subcommand (${SUBCOMMANDS}), got ${sub === undefined ? 'none' : JSON.stringify(sub.slice(0, 40))}`)
  }
  const command = `keys ${sub}`
  const args = parseArgs(argv.slice(1), specs[sub] as OptionSpecs, { command })
  const { spec, keyid } = locate(args, sub)

  // Everything the user typed is checked here, before the registry is opened.
  const create = sub === 'create' ? await createOptions(args, io) : undefined
  const update = sub === 'update' ? updateOptions(args) : undefined
  const by = sub === 'usage' ? (getString(args, 'by') ?? 'hour') : undefined
  if (by !== undefined && !['minute', 'hour', 'day'].includes(by)) throw usage(command, `--by expects minute, hour or day, got ${JSON.stringify(by.slice(0, 20))}`)
  const overlapText = getString(args, 'overlap')
  const overlapSeconds = overlapText === undefined ? undefined
    : /^0+[smhdw]?$/.test(overlapText) ? 0
      : (() => {
          try {
            return parseDuration(overlapText, 'overlap')
          } catch (err) {
            throw usage(command, (err as Error).message)
          }
        })()
  const rotateExpires = sub === 'rotate' ? expiresIn(getString(args, 'expires-in'), command) : undefined
  const rotateKeyFile = sub === 'rotate' ? getString(args, 'public-key') : undefined
  const rotateKey = rotateKeyFile === undefined ? undefined : await readPublicKey(io, rotateKeyFile)
  const sinceText = getString(args, 'since')
  const since = sinceText === undefined ? undefined : parseSeconds(sinceText, 'since', command)
  const owner = sub === 'list' ? getString(args, 'owner') : undefined
  const newMasterKey = sub === 'rewrap' ? await readNewMasterKey(args, io) : undefined
  // Every other command creates a file registry on first use; a rewrap of one that is not there
  // would create an empty registry and report success, hiding a mistyped path.
  if (sub === 'rewrap' && !/^rediss?:\/\//.test(spec) && !existsSync(resolve(io.cwd, spec))) {
    throw new SignetError('ERR_IO', `there is no registry at ${JSON.stringify(spec.slice(0, 200))} to rewrap`)
  }
  // CLI.md: the read-only commands refuse a path with no registry (a typo would otherwise
  // print an empty list and succeed), and create nothing there.
  if (READ_ONLY.has(sub) && !/^rediss?:\/\//.test(spec) && !existsSync(resolve(io.cwd, spec))) {
    throw new SignetError('ERR_IO', `there is no registry at ${JSON.stringify(spec.slice(0, 200))} (signet keys create makes one)`)
  }

  const masterKeyFile = getString(args, 'master-key-file')
  const registry: Registry = await openRegistryFromSpec(spec, {
    env: io.env,
    cwd: io.cwd,
    actor: actorOf(io),
    ...(masterKeyFile === undefined ? {} : { masterKeyFile }),
  })
  try {
    const id = keyid as string
    switch (sub) {
      case 'create': {
        const created = await registry.create(create as NonNullable<typeof create>)
        await deliverOnce(io, registry, created.keyid, `${JSON.stringify(withSigningHint(shown(created)))}\n`)
        break
      }
      case 'list':
        printRecords(io, await registry.list(owner === undefined ? {} : { owner }), 'document', LIST_COLUMNS)
        break
      case 'show': {
        const key = await registry.get(id)
        // What is left of the credits now, beside the amount the record holds.
        const left = key.credits === undefined ? {} : { creditsRemaining: (await registry.limits(id)).credits?.remaining ?? null }
        printRecords(io, { ...key, ...left }, 'document')
        break
      }
      case 'update':
        printJson(io, await registry.update(id, update as UpdateKeyOptions))
        break
      case 'rotate': {
        const successor = await registry.rotate(id, {
          ...(overlapSeconds === undefined ? {} : { overlapSeconds }),
          ...(rotateExpires === undefined ? {} : { expiresIn: rotateExpires }),
          ...(rotateKey === undefined ? {} : { publicKey: rotateKey }),
        })
        // The successor's secret is shown once too; the old key keeps verifying until the overlap ends.
        await deliverOnce(io, registry, successor.keyid, `${JSON.stringify(shown(successor))}\n`, `the old key ${id} verifies until ${successor.previous.overlapUntil}: issue a new key with signet keys create before then`)
        break
      }
      case 'disable':
        printJson(io, await registry.disable(id))
        break
      case 'enable':
        printJson(io, await registry.enable(id))
        break
      case 'revoke':
        printJson(io, await registry.revoke(id))
        break
      case 'usage':
        printRecords(io, await registry.usageBuckets(id, { by: by as UsageGranularity, ...(since === undefined ? {} : { since }) }), 'lines', USAGE_COLUMNS)
        break
      case 'audit':
        printRecords(io, await registry.audit(since === undefined ? {} : { since }), 'lines', AUDIT_COLUMNS)
        break
      case 'rewrap':
        await registry.rewrapMasterKey(newMasterKey as Uint8Array)
        printJson(io, { rewrapped: true, time: Math.floor(Date.now() / 1000) })
        break
    }
  } finally {
    await registry.close()
  }
  return 0
}
