/**
 * `signet demo`: placeholder until its owner lands the real command (see CONTRACTS.md).
 *
 * @module
 */
import { SignetError } from '@signet/core'
import type { Command } from '../io.ts'

/** Placeholder: always fails with `ERR_USAGE`. */
export const demoCommand: Command = async () => {
  throw new SignetError('ERR_USAGE', 'demo is not available yet')
}
