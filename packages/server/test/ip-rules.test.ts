import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { compileIpList, ipAllowed, parseIp, parseIpRange } from '../src/ip-rules.ts'
import { createForwarding } from '../src/client-ip.ts'

describe('IP rules', () => {
  it('matches IPv4 and IPv6 CIDR ranges and single addresses', () => {
    const list = compileIpList(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', '::1'])
    expect(list.contains('10.200.3.4')).toBe(true)
    expect(list.contains('11.0.0.1')).toBe(false)
    expect(list.contains('192.0.2.7')).toBe(true)
    expect(list.contains('192.0.2.8')).toBe(false)
    expect(list.contains('2001:db8:1::5')).toBe(true)
    expect(list.contains('2001:db9::1')).toBe(false)
    expect(list.contains('::1')).toBe(true)
    expect(list.contains('not an ip')).toBe(false)
  })

  it('treats IPv4-mapped IPv6 addresses as IPv4, both as client and as rule', () => {
    expect(ipAllowed('::ffff:10.1.2.3', ['10.0.0.0/8'])).toBe(true)
    expect(ipAllowed('::ffff:10.1.2.3', undefined, ['10.1.2.3'])).toBe(false)
    expect(ipAllowed('10.1.2.3', ['::ffff:10.0.0.0/104'])).toBe(true)
    expect(ipAllowed('11.1.2.3', ['::ffff:10.0.0.0/104'])).toBe(false)
    expect(parseIp('::ffff:192.0.2.1')?.toString()).toBe('192.0.2.1')
    expect(parseIp('[2001:db8::1]')?.toString()).toBe('2001:db8::1')
    // A zone id names an interface of one host: not an address any rule can match.
    expect(parseIp('fe80::1%eth0')).toBeUndefined()
  })

  it('deny wins over allow; no lists allow everyone; unknown client fails closed when lists exist', () => {
    expect(ipAllowed('10.0.0.1', ['10.0.0.0/8'], ['10.0.0.1'])).toBe(false)
    expect(ipAllowed('10.0.0.2', ['10.0.0.0/8'], ['10.0.0.1'])).toBe(true)
    expect(ipAllowed('8.8.8.8', undefined, undefined)).toBe(true)
    expect(ipAllowed(undefined, [], [])).toBe(true)
    expect(ipAllowed(undefined, ['10.0.0.0/8'])).toBe(false)
    expect(ipAllowed(undefined, undefined, ['10.0.0.0/8'])).toBe(false)
  })

  it('refuses malformed rules with a TypeError and legacy IPv4 spellings as addresses', () => {
    for (const bad of ['', '10.0.0.0/33', '2001:db8::/129', '10.0.0/8', 'example.com', '1.2.3.4/x', '::ffff:1.2.3.4/95', '0x7f.1', '127.1']) {
      expect(() => parseIpRange(bad), bad).toThrow(TypeError)
    }
    expect(parseIp('127.1')).toBeUndefined()
    expect(ipAllowed('127.1', ['127.0.0.0/8'])).toBe(false)
  })

  it('property: every IPv4 address is inside its own /prefix network and mapped form agrees', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, prefix) => {
        const network = `${ip}/${prefix}`
        expect(compileIpList([network]).contains(ip)).toBe(true)
        expect(compileIpList([network]).contains(`::ffff:${ip}`)).toBe(true)
      }),
    )
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        expect(compileIpList([`${ip}/128`]).contains(ip)).toBe(true)
      }),
    )
  })
})

describe('client address behind proxies', () => {
  const xff = (value: string) => [{ name: 'x-forwarded-for', value }]

  it('ignores forwarding fields from an untrusted peer', () => {
    const fwd = createForwarding({})
    expect(fwd.resolve('203.0.113.5', xff('1.1.1.1')).clientIp).toBe('203.0.113.5')
    const some = createForwarding({ trustedProxies: ['10.0.0.0/8'], forwardedHeader: 'forwarded' })
    expect(some.resolve('203.0.113.5', xff('1.1.1.1')).clientIp).toBe('203.0.113.5')
    expect(some.resolve('203.0.113.5', [{ name: 'forwarded', value: 'for=1.1.1.1;proto=https' }]).proto).toBeUndefined()
  })

  it('walks X-Forwarded-For from the right, skipping trusted hops', () => {
    const fwd = createForwarding({ trustedProxies: ['10.0.0.0/8', '::1'], forwardedHeader: 'x-forwarded-for' })
    expect(fwd.resolve('10.0.0.1', xff('198.51.100.1, 203.0.113.9, 10.0.0.7')).clientIp).toBe('203.0.113.9')
    expect(fwd.resolve('::ffff:10.0.0.1', xff('203.0.113.9')).clientIp).toBe('203.0.113.9')
    expect(fwd.resolve('::1', xff('10.0.0.2, 10.0.0.3')).clientIp).toBe('10.0.0.2')
    expect(fwd.resolve('10.0.0.1', xff('garbage, 203.0.113.9')).clientIp).toBe('203.0.113.9')
    expect(fwd.resolve('10.0.0.1', xff('203.0.113.9, garbage')).clientIp).toBeUndefined()
    expect(fwd.resolve('10.0.0.1', []).clientIp).toBe('10.0.0.1')
    expect(fwd.resolve('10.0.0.1', [...xff('203.0.113.9'), { name: 'x-forwarded-proto', value: 'https' }]).proto).toBe('https')
  })

  it('reads Forwarded (RFC 7239) with quoted IPv6 and ports', () => {
    const fwd = createForwarding({ trustedProxies: ['127.0.0.1'], forwardedHeader: 'forwarded' })
    const f = (value: string) => fwd.resolve('127.0.0.1', [{ name: 'forwarded', value }])
    expect(f('for="[2001:db8::5]:4711";proto=https')).toEqual({ clientIp: '2001:db8::5', proto: 'https' })
    expect(f('for=192.0.2.60;proto=http;by=203.0.113.43').clientIp).toBe('192.0.2.60')
    expect(f('for=192.0.2.43:8080, for=198.51.100.17').clientIp).toBe('198.51.100.17')
    expect(f('for=unknown').clientIp).toBeUndefined()
  })

  it('believes CF-Connecting-IP only when configured', () => {
    const cf = [{ name: 'cf-connecting-ip', value: '198.51.100.77' }]
    expect(createForwarding({}).resolve(undefined, cf).clientIp).toBeUndefined()
    expect(createForwarding({ cfConnectingIp: true }).resolve(undefined, cf).clientIp).toBe('198.51.100.77')
  })

  it('property: the socket-address fast path agrees with the full parser', () => {
    const fwd = createForwarding({})
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV4().map((ip) => `::ffff:${ip}`), fc.ipV4().map((ip) => `::FFFF:${ip}`), fc.ipV6(), fc.ipV4Extended()), (ip) => {
        expect(fwd.resolve(ip, []).clientIp).toBe(parseIp(ip)?.toString())
      }),
    )
    expect(fwd.resolve('01.2.3.4', []).clientIp).toBeUndefined()
  })

  it('validates options at creation', () => {
    expect(() => createForwarding({ trustedProxies: ['nope'] })).toThrow(TypeError)
    expect(() => createForwarding({ trustedProxies: 'x' as unknown as string[] })).toThrow(TypeError)
  })
})
