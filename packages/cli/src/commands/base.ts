/**
 * `signet base`: print the RFC 9421 signature base of each signature on a message.
 *
 * For each `Signature-Input` member (or only `--label`), a line `# LABEL` and then the signature
 * base (RFC 9421 section 2.5), with a blank line between signatures. The `@signature-params`
 * line is the received member as core re-serializes it, parameter order and unknown parameters
 * kept, which is what a verifier signs over. A message without a (well-formed)
 * `Signature-Input`, an unknown label, or a base that cannot be built from the message is a
 * failed verification (exit 1), as for `signet verify`.
 *
 * @module
 */
import { SignetError, createSignatureBase, parseSignatureInput } from '@signet/core'
import { getString, messageOptionSpecs, parseArgs, parseMessageOptions } from '../args.ts'
import type { CommandUsage, OptionSpecs } from '../args.ts'
import { verificationFailure } from '../io.ts'
import type { CliIO, Command } from '../io.ts'
import { fieldValues, readCommandMessage } from '../message-file.ts'

const options: OptionSpecs = {
  label: { type: 'string', valueName: 'L', description: 'print only the base of this signature', default: 'every signature' },
  ...messageOptionSpecs,
}

const USAGE: CommandUsage = {
  synopsis: 'base [--label L] [options] [MESSAGE]',
  summary: `Print the RFC 9421 signature base of each signature on a message: a line "# LABEL", then
the base, with a blank line between signatures. MESSAGE is a file; "-" or none reads standard
input.`,
  notes: 'Exit codes: 0 printed, 1 no Signature-Input or an unknown label, 2 usage, file or message error.',
}

/**
 * Run `signet base`.
 *
 * @param argv - the arguments after `base`
 * @param io - the command's surroundings
 * @returns 0; failures are thrown
 * @throws {SignetError} exit 1 for a missing/malformed `Signature-Input`, an unknown label or a
 *   base that cannot be built; exit 2 for usage, file and message errors
 * @example `signet base --label sig1 signed.http`
 */
export const baseCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  const args = parseArgs(argv, options, { command: 'base', maxPositionals: 1, usage: USAGE })
  const label = getString(args, 'label')
  const { fieldTypes, scheme } = parseMessageOptions(args, 'base')
  const { message } = await readCommandMessage(io, args, scheme, 'base')

  const blocks: string[] = []
  try {
    const values = fieldValues(message, 'signature-input')
    if (values.length === 0) throw new SignetError('ERR_SIGNATURE_MISSING', 'the message has no Signature-Input field')
    const members = parseSignatureInput(values)
    const selected = label === undefined ? [...members.values()] : [members.get(label)]
    for (const member of selected) {
      if (member === undefined) {
        throw new SignetError('ERR_LABEL_NOT_FOUND', `no signature labelled ${JSON.stringify(label)}`)
      }
      const base = createSignatureBase(
        message,
        member.components,
        member.serialized,
        fieldTypes === undefined ? undefined : { fieldTypes },
      )
      blocks.push(`# ${member.label}\n${base}\n`)
    }
  } catch (error) {
    throw verificationFailure(error)
  }
  io.stdout(blocks.join('\n'))
  return 0
}
