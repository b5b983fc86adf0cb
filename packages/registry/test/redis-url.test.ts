/** The Redis URL forms of `--registry` and `--nonce-store`: one node, a cluster, Sentinel. */
import { describe, expect, it } from 'vitest'
import { isRedisUrl, parseRedisUrl } from '../src/index.ts'

describe('parseRedisUrl', () => {
  it('one node, with database, credentials and TLS', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6380')).toEqual({ kind: 'node', node: { host: '127.0.0.1', port: 6380 }, db: 0, tls: false })
    expect(parseRedisUrl('redis://localhost')).toMatchObject({ kind: 'node', node: { host: 'localhost', port: 6379 } })
    expect(parseRedisUrl('rediss://u:p%40ss@[::1]:7000/3')).toEqual({ kind: 'node', node: { host: '::1', port: 7000 }, db: 3, tls: true, username: 'u', password: 'p@ss' })
    expect(parseRedisUrl('redis://:secret@h:1')).toEqual({ kind: 'node', node: { host: 'h', port: 1 }, db: 0, tls: false, password: 'secret' })
  })

  it('several nodes are a cluster; redis+cluster:// is a cluster from one seed', () => {
    expect(parseRedisUrl('redis://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002')).toEqual({
      kind: 'cluster', tls: false, nodes: [{ host: '127.0.0.1', port: 7000 }, { host: '127.0.0.1', port: 7001 }, { host: '127.0.0.1', port: 7002 }],
    })
    expect(parseRedisUrl('redis+cluster://a:1')).toEqual({ kind: 'cluster', tls: false, nodes: [{ host: 'a', port: 1 }] })
    expect(() => parseRedisUrl('redis://a:1,b:2/1')).toThrow(/no database numbers/)
  })

  it('Sentinel: the Sentinels, the primary name, the database', () => {
    expect(parseRedisUrl('redis+sentinel://s1:26379,s2/mymaster/2')).toEqual({
      kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], name: 'mymaster', db: 2, tls: false,
    })
    expect(() => parseRedisUrl('redis+sentinel://s1:26379')).toThrow(/names its primary/)
  })

  it('refuses malformed URLs without repeating a password', () => {
    for (const bad of ['http://a:1', 'redis://', 'redis://a:99999', 'redis://a:1/x', 'redis://a:1,,b:2', 'redis://a:1/2/3']) {
      expect(() => parseRedisUrl(bad), bad).toThrow(TypeError)
    }
    let message = ''
    try {
      parseRedisUrl('redis://admin:hunter2@a:1,b:x')
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toContain('admin:***@')
    expect(message).not.toContain('hunter2')
    expect(isRedisUrl('redis+sentinel://a/b')).toBe(true)
    expect(isRedisUrl('./keys.signet')).toBe(false)
  })
})
