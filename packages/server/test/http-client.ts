/** A minimal loopback HTTP client for tests: sends a signed message's field lines as they are. */
import { request } from 'node:http'
import type { HttpRequestMessage } from '@signet/core'

export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  json: () => Record<string, unknown>
}

export function send(port: number, message: HttpRequestMessage, options: { timeoutMs?: number; extraHeaders?: [string, string][] } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: [string, string][] = message.fields.map((f) => [f.name, f.value])
    if (message.body !== undefined) headers.push(['content-length', String(message.body.length)])
    headers.push(...(options.extraHeaders ?? []))
    const flat: string[] = headers.flat()
    const req = request({ host: '127.0.0.1', port, method: message.method, path: message.target, headers: flat, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) })
      })
      res.on('error', reject)
    })
    req.setTimeout(options.timeoutMs ?? 5000, () => req.destroy(new Error('client timeout')))
    req.on('error', reject)
    req.end(message.body === undefined ? undefined : Buffer.from(message.body))
  })
}
