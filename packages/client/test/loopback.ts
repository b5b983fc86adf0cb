/**
 * A loopback HTTP server for client tests: records every request that arrived (method, target,
 * raw header lines, body bytes) and answers through a per-test handler. Bound to 127.0.0.1 on
 * an ephemeral port; two servers are two origins.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fromNodeRequest } from '@signet/core'
import type { HttpRequestMessage } from '@signet/core'
import { afterAll, afterEach } from 'vitest'

export interface Arrival {
  readonly method: string
  readonly url: string
  readonly rawHeaders: string[]
  readonly headers: IncomingMessage['headers']
  readonly body: Uint8Array
}

export type Handler = (arrival: Arrival, res: ServerResponse, index: number) => void | Promise<void>

export interface Loopback {
  readonly origin: string
  readonly arrivals: Arrival[]
  handler: Handler
  close(): Promise<void>
}

export const ok: Handler = (_a, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' })
  res.end('ok')
}

export async function startLoopback(handler: Handler = ok): Promise<Loopback> {
  const arrivals: Arrival[] = []
  const state: Loopback = {
    origin: '',
    arrivals,
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const arrival: Arrival = {
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders: req.rawHeaders,
        headers: req.headers,
        body: new Uint8Array(Buffer.concat(chunks)),
      }
      arrivals.push(arrival)
      Promise.resolve(state.handler(arrival, res, arrivals.length - 1)).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(String(err))
      })
    })
  })
  server.keepAliveTimeout = 100
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  ;(state as { origin: string }).origin = `http://127.0.0.1:${port}`
  return state
}

/**
 * `count` loopback servers for one test file, with the hooks that keep its tests apart: after
 * each test the arrivals are cleared and the handler is `ok` again; after the file the servers
 * close. Awaited at the top of the test file.
 */
export async function useLoopbacks(count: number): Promise<Loopback[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => startLoopback()))
  afterEach(() => {
    for (const server of servers) {
      server.arrivals.length = 0
      server.handler = ok
    }
  })
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()))
  })
  return servers
}

/** What arrived, as core's message model (the scheme of a loopback origin is `http`). */
export function arrivalMessage(arrival: Arrival): HttpRequestMessage {
  return fromNodeRequest({ method: arrival.method, url: arrival.url, rawHeaders: arrival.rawHeaders }, { scheme: 'http', body: arrival.body })
}
