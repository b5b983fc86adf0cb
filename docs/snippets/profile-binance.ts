import { signedFetch } from '@signet/client'
import { createBinanceSigner } from '@signet/profiles/binance'

// HMAC (secret) here; { apiKey, privateKey: PEM } signs with RSA or Ed25519 instead.
const binance = createBinanceSigner({ apiKey: process.env.BINANCE_API_KEY!, secret: process.env.BINANCE_SECRET!, recvWindow: 5000 })

// timestamp and signature are appended to the query; a -1021 answer is retried once with the
// clock offset learned from the response's Date.
const api = signedFetch(binance)
const account = await api('https://api.binance.com/api/v3/account?omitZeroBalances=true')
console.log(account.status, binance.clockOffsetMs)
