import { signedFetch } from '@signet/client'
import { createSigV4Signer, presignSigV4 } from '@signet/profiles/sigv4'
import { parseHttpMessage } from '@signet/core'
import type { HttpRequestMessage } from '@signet/core'

const credentials = {
  accessKeyId: process.env.AWS_ACCESS_KEY_ID!,
  secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY!,
  sessionToken: process.env.AWS_SESSION_TOKEN,
}

// An Authorization header on every request (API Gateway with IAM auth).
const aws = signedFetch(createSigV4Signer({ ...credentials, region: 'eu-west-1', service: 'execute-api' }))
await aws('https://abc123.execute-api.eu-west-1.amazonaws.com/prod/orders', { method: 'POST', body: '{"sku":"A-1"}' })

// A presigned S3 GET, valid 15 minutes (UNSIGNED-PAYLOAD, the path signed as sent).
const get = parseHttpMessage('GET /reports/2026-12.csv HTTP/1.1\r\nHost: my-bucket.s3.eu-west-1.amazonaws.com\r\n\r\n') as HttpRequestMessage
const target = await presignSigV4(get, { ...credentials, region: 'eu-west-1', service: 's3', expiresIn: 900 })
console.log(`https://my-bucket.s3.eu-west-1.amazonaws.com${target}`)
