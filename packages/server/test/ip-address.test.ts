/**
 * The own IP/CIDR module (issue 11, defect 6) against node:net as the oracle: which strings are
 * addresses (`isIP`), which addresses fall in a range (`BlockList`), and the canonical IPv6 text
 * (the WHATWG URL serializer compresses zeros as RFC 5952 does). Plus known vectors.
 */
import { BlockList, isIP } from 'node:net'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { inNetwork, isLoopback, isPublicUnicast, parseIpAddress, parseIpNetwork } from '../src/ip-address.ts'

const NUM_RUNS = 2000

// IPv4-mapped IPv6 is folded to IPv4 here, where BlockList keeps the families apart.
const isMappedText = (ip: string): boolean => {
  const parsed = parseIpAddress(ip)
  return parsed !== undefined && parsed.kind === 'ipv4' && ip.includes(':')
}

describe('parseIpAddress', () => {
  it('known vectors', () => {
    const ok: [string, string][] = [
      ['192.0.2.1', '192.0.2.1'],
      ['0.0.0.0', '0.0.0.0'],
      ['255.255.255.255', '255.255.255.255'],
      ['::', '::'],
      ['::1', '::1'],
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:0db8:0000:0000:0000:ff00:0042:8329', '2001:db8::ff00:42:8329'],
      ['1:0:1:0:1:0:1:0', '1:0:1:0:1:0:1:0'],
      ['1::', '1::'],
      ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
      ['::ffff:192.0.2.1', '192.0.2.1'],
      ['::FFFF:c000:0201', '192.0.2.1'],
      ['0:0:0:0:0:ffff:10.1.2.3', '10.1.2.3'],
      ['::1.2.3.4', '::102:304'],
      ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ]
    for (const [text, canonical] of ok) expect(parseIpAddress(text)?.toString(), text).toBe(canonical)
    const bad = ['', ' 1.2.3.4', '1.2.3.4 ', '127.1', '0x7f.0.0.1', '010.0.0.1', '1.2.3.256', '1.2.3.4.5', '1..2.3', '1.2.3.',
      ':', ':::', '1:::2', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '::1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7',
      ':1::', '1::2:', 'fe80::1%eth0', 'fe80::1%1', '[::1]', 'g::1', '::ffff:1.2.3', '::1.2.3.4:5', 'example.com', '1.2.3.4/8']
    for (const text of bad) expect(parseIpAddress(text), JSON.stringify(text)).toBeUndefined()
  })

  it('property: a string is an address exactly when node:net says so (zone ids refused)', () => {
    const candidates = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.ipV4Extended(),
      fc.ipV6().map((ip) => `${ip}%eth0`),
      fc.stringMatching(/^[0-9a-fA-F:.]{0,40}$/),
      fc.string({ maxLength: 20 }),
    )
    fc.assert(
      fc.property(candidates, (text) => {
        expect(parseIpAddress(text) !== undefined, text).toBe(isIP(text) !== 0 && !text.includes('%'))
      }),
      { numRuns: NUM_RUNS },
    )
  })

  it('property: IPv6 text is canonical as the WHATWG URL serializer writes it', () => {
    fc.assert(
      fc.property(fc.ipV6().filter((ip) => !isMappedText(ip)), (ip) => {
        expect(parseIpAddress(ip)?.toString()).toBe(new URL(`http://[${ip}]/`).hostname.slice(1, -1))
      }),
      { numRuns: NUM_RUNS },
    )
  })
})

describe('CIDR matching', () => {
  it('known vectors', () => {
    const net = (t: string) => parseIpNetwork(t) ?? expect.fail(t)
    const ip = (t: string) => parseIpAddress(t) ?? expect.fail(t)
    expect(inNetwork(ip('10.255.0.1'), net('10.0.0.0/8'))).toBe(true)
    expect(inNetwork(ip('11.0.0.1'), net('10.0.0.0/8'))).toBe(false)
    expect(inNetwork(ip('203.0.113.7'), net('0.0.0.0/0'))).toBe(true)
    expect(inNetwork(ip('2001:db8::1'), net('0.0.0.0/0'))).toBe(false)
    expect(inNetwork(ip('2001:db8:ffff::1'), net('2001:db8::/32'))).toBe(true)
    expect(inNetwork(ip('2001:db9::1'), net('2001:db8::/32'))).toBe(false)
    expect(inNetwork(ip('2001:db8::1'), net('2001:db8::/127'))).toBe(true)
    expect(inNetwork(ip('2001:db8::2'), net('2001:db8::/127'))).toBe(false)
    expect(inNetwork(ip('::ffff:10.1.2.3'), net('::ffff:10.0.0.0/104'))).toBe(true)
    expect(net('::ffff:10.0.0.0/104').prefix).toBe(8)
    for (const bad of ['10.0.0.0/33', '2001:db8::/129', '::ffff:1.2.3.4/95', '10.0.0.0/', '10.0.0.0/x', '10.0.0.0/-1', '10.0.0.0/0008', 'fe80::/10%eth0']) {
      expect(parseIpNetwork(bad), bad).toBeUndefined()
    }
  })

  it('property: IPv4 ranges agree with node:net BlockList', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV4(), fc.integer({ min: 0, max: 32 }), (network, address, prefix) => {
        const list = new BlockList()
        list.addSubnet(network, prefix, 'ipv4')
        const mine = inNetwork(parseIpAddress(address)!, parseIpNetwork(`${network}/${prefix}`)!)
        expect(mine).toBe(list.check(address, 'ipv4'))
        // Every address lies in its own network.
        expect(inNetwork(parseIpAddress(address)!, parseIpNetwork(`${address}/${prefix}`)!)).toBe(true)
      }),
      { numRuns: NUM_RUNS },
    )
  })

  it('property: IPv6 ranges agree with node:net BlockList (near and far addresses)', () => {
    const v6 = fc.ipV6().filter((ip) => !isMappedText(ip))
    // Addresses sharing a random-length prefix with the network, so both outcomes are common.
    const pair = fc.tuple(v6, v6, fc.integer({ min: 0, max: 128 })).map(([a, b, keep]) => {
      const ga = parseIpAddress(a)!.groups
      const gb = parseIpAddress(b)!.groups
      const mixed = ga.map((g, i) => (i * 16 + 16 <= keep ? g : i * 16 >= keep ? (gb[i] as number) : (g & (0xffff << (16 - (keep - i * 16)))) | ((gb[i] as number) & (0xffff >>> (keep - i * 16)))))
      return [a, mixed.map((g) => g.toString(16)).join(':')] as const
    })
    fc.assert(
      fc.property(pair.filter(([, b]) => !isMappedText(b)), fc.integer({ min: 0, max: 128 }), ([network, address], prefix) => {
        const list = new BlockList()
        list.addSubnet(network, prefix, 'ipv6')
        const mine = inNetwork(parseIpAddress(address)!, parseIpNetwork(`${network}/${prefix}`)!)
        expect(mine, `${address} in ${network}/${prefix}`).toBe(list.check(address, 'ipv6'))
      }),
      { numRuns: NUM_RUNS },
    )
  })

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        parseIpAddress(text)
        parseIpNetwork(text)
      }),
      { numRuns: NUM_RUNS },
    )
  })
})

describe('isPublicUnicast and isLoopback (the directory fetcher refuses the host\'s own networks)', () => {
  const refused = ['10.1.2.3', '127.0.0.1', '169.254.169.254', '172.16.0.1', '192.168.1.1', '100.64.0.1', '0.0.0.0',
    '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::1', 'fd12::1', 'ff02::1', '2001:db8::1',
    '2002:a00:1::1', '2001:0:4136:e378::1', '::ffff:10.0.0.1', '64:ff9b::a00:1']
  for (const text of refused) {
    it(`${text} is not public`, () => expect(isPublicUnicast(parseIpAddress(text)!)).toBe(false))
  }
  for (const text of ['8.8.8.8', '1.1.1.1', '2606:4700::1111', '::ffff:8.8.4.4']) {
    it(`${text} is public`, () => expect(isPublicUnicast(parseIpAddress(text)!)).toBe(true))
  }
  it('loopback is 127.0.0.0/8 and ::1 only', () => {
    expect(['127.0.0.1', '127.255.0.9', '::1'].map((t) => isLoopback(parseIpAddress(t)!))).toEqual([true, true, true])
    expect(['10.0.0.1', '::2', '::ffff:8.8.8.8'].map((t) => isLoopback(parseIpAddress(t)!))).toEqual([false, false, false])
  })
})
