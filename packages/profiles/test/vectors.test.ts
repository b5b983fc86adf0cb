/**
 * The profiles conformance suite (test/conformance/profiles.ts) on the sources, with the
 * vectors of test/vectors. Node can decrypt the python-binance encrypted PKCS#8 key, so that
 * vector is reproduced here; runtimes without node:crypto check that it is refused clearly.
 */
import { createPrivateKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { test } from 'vitest'
import * as core from '@signet/core'
import '@signet/core/pure'
import * as profiles from '@signet/profiles'
import { defineProfileConformance } from '../../../test/conformance/profiles.ts'

const read = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../../test/vectors/${name}`, import.meta.url), 'utf8'))
const vectors = { webhook: read('webhook-vectors.json'), binance: read('binance-vectors.json'), cavage: read('cavage-vectors.json'), sigv4: read('sigv4-suite.json') }
const decryptPem = (pem: string, passphrase: string): string => createPrivateKey({ key: pem, passphrase }).export({ type: 'pkcs8', format: 'pem' }) as string

for (const c of defineProfileConformance(core, profiles, vectors, { decryptPem })) test(c.name, c.run)
