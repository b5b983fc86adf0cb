/**
 * `@signet/client/axios`: an axios request interceptor that signs every request (RFC 9421, with
 * RFC 9530 Content-Digest), on the signer's description path (no Fetch `Request`).
 *
 * axios serializes the body (`transformRequest`) and joins `baseURL`, `url` and `params` after
 * the request interceptors have run, so a signature taken on the config as it stands would not
 * cover what is sent. The interceptor therefore does both itself, once: it runs the config's
 * own `transformRequest` functions, signs the resulting bytes and the full URL, and leaves axios
 * nothing to change (the URL becomes `url`, `params` and `baseURL` are cleared,
 * `transformRequest` becomes empty). For POST, PUT and PATCH it sets axios's default
 * `Content-Type` before signing, as axios would after. Bodies must end up a string or bytes;
 * `FormData` and streams are refused with a TypeError (a digest needs the whole body first).
 *
 * @module
 */
import { checkSigner } from './description.ts'
import type { DescriptionSigner } from './description.ts'
import { headerRecord } from './header-record.ts'

/** The parts of an axios request config this interceptor reads and rewrites. */
export interface AxiosRequestConfigLike {
  url?: string | undefined
  baseURL?: string | undefined
  method?: string | undefined
  params?: unknown
  paramsSerializer?: unknown
  data?: unknown
  headers?: unknown
  transformRequest?: unknown
  [other: string]: unknown
}

type Transform = (this: unknown, data: unknown, headers: unknown) => unknown

/** `baseURL` joined with a relative `url`, as axios joins them. */
function fullUrl(config: AxiosRequestConfigLike): string {
  const url = config.url ?? ''
  const base = config.baseURL
  if (base === undefined || /^([a-z][a-z\d+\-.]*:)?\/\//i.test(url)) return url
  return url === '' ? base : base.replace(/\/+$/, '') + '/' + url.replace(/^\/+/, '')
}

/** The query of `params`: the config's own serializer, else one `name=value` per value. */
function withParams(url: string, config: AxiosRequestConfigLike): string {
  const params = config.params
  if (params === undefined || params === null) return url
  let query: string
  const serializer = config.paramsSerializer
  if (typeof serializer === 'function') query = String((serializer as (p: unknown) => unknown)(params))
  else if (params instanceof URLSearchParams) query = params.toString()
  else {
    const search = new URLSearchParams()
    for (const [name, value] of Object.entries(params as object)) {
      if (value === undefined || value === null) continue
      for (const one of Array.isArray(value) ? value : [value]) search.append(name, one instanceof Date ? one.toISOString() : String(one))
    }
    query = search.toString()
  }
  if (query === '') return url
  const hash = url.indexOf('#')
  const bare = hash < 0 ? url : url.slice(0, hash)
  return bare + (bare.includes('?') ? '&' : '?') + query
}

function bodyBytes(data: unknown): string | Uint8Array | undefined {
  if (data === undefined || data === null) return undefined
  if (typeof data === 'string' || data instanceof Uint8Array) return data
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  throw new TypeError('signetAxios signs string and byte bodies (and what transformRequest makes of objects); not FormData or streams')
}

/**
 * Create an axios request interceptor that signs with `signer`.
 *
 * @param signer - from `createSigner` (either entry), or any signer of descriptions.
 * @returns the function for `axios.interceptors.request.use`.
 * @throws {TypeError} at creation when `signer` cannot sign; per request, a body that cannot be
 * digested, and every signing error (`SignetError`), reject the request before it is sent.
 * @example
 * ```ts
 * import axios from 'axios'
 * import { createSigner } from '@signet/client'
 * import { signetAxios } from '@signet/client/axios'
 * const api = axios.create({ baseURL: 'https://api.example' })
 * api.interceptors.request.use(signetAxios(createSigner({ key, keyId: 'client-1' })))
 * await api.post('/orders', { n: 1 })
 * ```
 */
export function signetAxios(signer: DescriptionSigner): <C extends AxiosRequestConfigLike>(config: C) => Promise<C> {
  checkSigner(signer)
  return async <C extends AxiosRequestConfigLike>(config: C): Promise<C> => {
    const method = (config.method ?? 'get').toUpperCase()
    const headers = config.headers as { set?: (name: string, value: string, rewrite?: boolean) => unknown; setContentType?: (value: string, rewrite: boolean) => unknown } | undefined
    // What axios does after the interceptors, done here so the signature covers it.
    let data = config.data
    const transforms = config.transformRequest
    for (const transform of (Array.isArray(transforms) ? transforms : transforms === undefined ? [] : [transforms]) as Transform[]) data = transform.call(config, data, headers)
    if ((method === 'POST' || method === 'PUT' || method === 'PATCH') && typeof headers?.setContentType === 'function') headers.setContentType('application/x-www-form-urlencoded', false)
    const url = withParams(fullUrl(config), config)
    const body = bodyBytes(data)
    const signed = await signer.sign({ method, url, headers: headerRecord(headers), body })
    const added = signed.headers as Record<string, string | readonly string[]>
    if (typeof headers?.set === 'function') {
      for (const name of ['content-digest', 'signature-input', 'signature']) {
        const value = added[name]
        if (value !== undefined) headers.set(name, typeof value === 'string' ? value : value.join(', '), true)
      }
    } else config.headers = added
    config.data = data
    config.transformRequest = []
    config.url = url
    config.params = undefined
    config.baseURL = undefined
    return config
  }
}
