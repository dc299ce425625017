import { createHmac, randomBytes } from 'node:crypto';
import { TOTP, URI } from 'otpauth';
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  hotp,
  totpCode,
  totpStep,
  totpUri,
  verifyTotp,
} from './totp';

// The secret of RFC 4226 Appendix D and RFC 6238 Appendix B (SHA-1): ASCII "12345678901234567890".
const RFC_KEY = Buffer.from('12345678901234567890', 'ascii');
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const at = (seconds: number) => new Date(seconds * 1000);

describe('base32 (RFC 4648)', () => {
  // RFC 4648 section 10, with the "=" padding left off.
  const VECTORS: Array<[string, string]> = [
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ];

  it.each(VECTORS)('encodes %j as %j and back', (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain, 'ascii'))).toBe(encoded);
    expect(base32Decode(encoded).toString('ascii')).toBe(plain);
  });

  it('encodes the RFC test secret', () => {
    expect(base32Encode(RFC_KEY)).toBe(RFC_SECRET);
  });

  it('decodes lower case and tolerates "=" padding', () => {
    expect(base32Decode('mzxw6ytboi======').toString('ascii')).toBe('foobar');
  });

  it('round-trips every length from 0 to 40 bytes', () => {
    for (let n = 0; n <= 40; n += 1) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n * 11) & 0xff));
      expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
    }
  });

  it.each([
    ['a character outside the alphabet', 'MZXW1'],
    ['a space', 'MZXW 6'],
    ['an impossible length', 'MZX'],
    ['non-zero trailing bits', 'MZ'],
  ])('refuses %s', (_label, text) => {
    expect(() => base32Decode(text)).toThrow();
  });
});

describe('HOTP (RFC 4226 Appendix D)', () => {
  // count: [truncated decimal value, 6-digit HOTP]
  const APPENDIX_D: Array<[number, number, string]> = [
    [0, 1284755224, '755224'],
    [1, 1094287082, '287082'],
    [2, 137359152, '359152'],
    [3, 1726969429, '969429'],
    [4, 1640338314, '338314'],
    [5, 868254676, '254676'],
    [6, 1918287922, '287922'],
    [7, 82162583, '162583'],
    [8, 673399871, '399871'],
    [9, 645520489, '520489'],
  ];

  it.each(APPENDIX_D)('count %i gives %i, so HOTP %s', (count, decimal, code) => {
    expect(hotp(RFC_KEY, count)).toBe(code);
    expect(hotp(RFC_KEY, count, 8)).toBe(String(decimal % 1e8).padStart(8, '0'));
  });

  it('refuses a negative or fractional counter and other digit counts', () => {
    expect(() => hotp(RFC_KEY, -1)).toThrow(RangeError);
    expect(() => hotp(RFC_KEY, 1.5)).toThrow(RangeError);
    expect(() => hotp(RFC_KEY, 0, 5)).toThrow(RangeError);
    expect(() => hotp(RFC_KEY, 0, 9)).toThrow(RangeError);
  });
});

describe('TOTP (RFC 6238 Appendix B, SHA-1)', () => {
  // Unix time, T as in the RFC's table, the RFC's 8-digit TOTP. A 6-digit code is the last 6
  // digits of the 8-digit one: both are the same 31-bit number modulo 10^6 and 10^8.
  const APPENDIX_B: Array<[number, number, string]> = [
    [59, 0x1, '94287082'],
    [1111111109, 0x23523ec, '07081804'],
    [1111111111, 0x23523ed, '14050471'],
    [1234567890, 0x273ef07, '89005924'],
    [2000000000, 0x3f940aa, '69279037'],
    [20000000000, 0x27bc86aa, '65353130'],
  ];

  it.each(APPENDIX_B)('at %i s (T = %i) the code is %s', (seconds, step, eightDigits) => {
    expect(totpStep(at(seconds))).toBe(step);
    expect(totpCode(RFC_SECRET, at(seconds), 8)).toBe(eightDigits);
    expect(totpCode(RFC_SECRET, at(seconds))).toBe(eightDigits.slice(-6));
  });
});

describe('generateTotpSecret', () => {
  it('makes 20 random bytes as 32 base32 characters', () => {
    const a = generateTotpSecret();
    const b = generateTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(a)).toHaveLength(20);
    expect(a).not.toBe(b);
  });
});

describe('totpUri', () => {
  it('builds an otpauth URI with the label and issuer percent-encoded', () => {
    const uri = totpUri({
      secret: 'jbswy3dpehpk3pxp',
      accountName: 'jane.smith+lead@example.police.uk',
      issuer: 'Recommendation Tracker',
    });
    expect(uri).toBe(
      'otpauth://totp/Recommendation%20Tracker:jane.smith%2Blead%40example.police.uk' +
        '?secret=JBSWY3DPEHPK3PXP&issuer=Recommendation%20Tracker&algorithm=SHA1&digits=6&period=30',
    );
    const url = new URL(uri);
    expect(url.protocol).toBe('otpauth:');
    expect(url.searchParams.get('issuer')).toBe('Recommendation Tracker');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe(
      '/Recommendation Tracker:jane.smith+lead@example.police.uk',
    );
  });

  it('encodes characters that would break the URI', () => {
    const uri = totpUri({ secret: RFC_SECRET, accountName: 'a&b?c#d/e', issuer: 'X&Y=Z' });
    expect(uri).toContain('/X%26Y%3DZ:a%26b%3Fc%23d%2Fe?');
    expect(uri).toContain('&issuer=X%26Y%3DZ&');
  });

  it('refuses a colon in the issuer or account name, and a secret that is not base32', () => {
    expect(() => totpUri({ secret: RFC_SECRET, accountName: 'a:b', issuer: 'X' })).toThrow();
    expect(() => totpUri({ secret: RFC_SECRET, accountName: 'a', issuer: 'X:Y' })).toThrow();
    expect(() => totpUri({ secret: 'not base32!', accountName: 'a', issuer: 'X' })).toThrow();
  });
});

describe('verifyTotp', () => {
  // At 59 s the step is 1; steps 0, 1, 2 and 3 have the RFC 4226 codes for counts 0 to 3.
  const now = at(59);

  it('accepts the current code and returns its step', () => {
    expect(verifyTotp(RFC_SECRET, '287082', { now })).toEqual({ ok: true, step: 1 });
  });

  it('accepts the codes one step either side, and not two', () => {
    expect(verifyTotp(RFC_SECRET, '755224', { now })).toEqual({ ok: true, step: 0 });
    expect(verifyTotp(RFC_SECRET, '359152', { now })).toEqual({ ok: true, step: 2 });
    expect(verifyTotp(RFC_SECRET, '969429', { now })).toEqual({ ok: false });
  });

  it('with window 0 accepts only the current step', () => {
    expect(verifyTotp(RFC_SECRET, '287082', { now, window: 0 })).toEqual({ ok: true, step: 1 });
    expect(verifyTotp(RFC_SECRET, '359152', { now, window: 0 })).toEqual({ ok: false });
  });

  it('refuses a replay of the last used step and any earlier step', () => {
    expect(verifyTotp(RFC_SECRET, '287082', { now, lastUsedStep: 1 })).toEqual({ ok: false });
    expect(verifyTotp(RFC_SECRET, '755224', { now, lastUsedStep: 1 })).toEqual({ ok: false });
    expect(verifyTotp(RFC_SECRET, '287082', { now, lastUsedStep: 0 })).toEqual({
      ok: true,
      step: 1,
    });
    expect(verifyTotp(RFC_SECRET, '359152', { now, lastUsedStep: 1 })).toEqual({
      ok: true,
      step: 2,
    });
  });

  it('ignores spaces in the typed code', () => {
    expect(verifyTotp(RFC_SECRET, ' 287 082 ', { now })).toEqual({ ok: true, step: 1 });
    expect(verifyTotp(RFC_SECRET, '287\u00a0082', { now })).toEqual({ ok: true, step: 1 });
  });

  it.each([
    ['a wrong code', '287083'],
    ['too few digits', '28708'],
    ['too many digits', '2870820'],
    ['letters', '28708a'],
    ['a hyphen', '287-082'],
    ['the 8-digit form', '94287082'],
    ['nothing', ''],
  ])('refuses %s', (_label, code) => {
    expect(verifyTotp(RFC_SECRET, code, { now })).toEqual({ ok: false });
  });

  it('answers ok: false, without throwing, for a malformed secret', () => {
    expect(verifyTotp('not base32!', '287082', { now })).toEqual({ ok: false });
    expect(verifyTotp('', '287082', { now })).toEqual({ ok: false });
  });

  it('works with the current time by default', () => {
    const secret = generateTotpSecret();
    const result = verifyTotp(secret, totpCode(secret, new Date()));
    expect(result.ok).toBe(true);
  });

  it('throws for an invalid window', () => {
    expect(() => verifyTotp(RFC_SECRET, '287082', { now, window: -1 })).toThrow(RangeError);
    expect(() => verifyTotp(RFC_SECRET, '287082', { now, window: 1.5 })).toThrow(RangeError);
  });
});

describe('codes made elsewhere are accepted (the library agrees with the RFC and with the old code)', () => {
  /** RFC 4226 section 5.3 written out with node:crypto alone, as an authenticator app does it. */
  const independentCode = (key: Buffer, atMs: number) => {
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(BigInt(Math.floor(atMs / 30_000)));
    const mac = createHmac('sha1', key).update(counter).digest();
    const offset = mac[19]! & 0x0f;
    return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
  };

  it("accepts RFC 6238's published code for its SHA-1 test secret at 1111111109 s", () => {
    // Appendix B: 07081804 at T = 0x23523EC; the 6-digit code is its last six digits.
    expect(verifyTotp(RFC_SECRET, '081804', { now: at(1111111109) })).toEqual({
      ok: true,
      step: 0x23523ec,
    });
    expect(
      verifyTotp(RFC_SECRET, '081804', { now: at(1111111109), lastUsedStep: 0x23523ec }),
    ).toEqual({ ok: false });
  });

  it('accepts a code computed without the library, for secrets in the stored form', () => {
    // What the hand-written generator stored: 20 random bytes as 32 upper-case base32 characters.
    for (let i = 0; i < 20; i += 1) {
      const key = randomBytes(20);
      const stored = base32Encode(key);
      expect(stored).toMatch(/^[A-Z2-7]{32}$/);
      const now = Date.parse('2026-11-28T12:00:00Z') + i * 7_919_000;
      expect(verifyTotp(stored, independentCode(key, now), { now: new Date(now) })).toEqual({
        ok: true,
        step: Math.floor(now / 30_000),
      });
    }
  });

  it('writes a URI that the library reads back as the same key, issuer, account and settings', () => {
    const secret = generateTotpSecret();
    const uri = totpUri({
      secret,
      accountName: 'lead@example.test',
      issuer: 'Recommendation Tracker',
    });
    const parsed = URI.parse(uri);
    expect(parsed).toBeInstanceOf(TOTP);
    const totp = parsed as TOTP;
    expect(totp.secret.base32).toBe(secret);
    expect(totp.issuer).toBe('Recommendation Tracker');
    expect(totp.label).toBe('lead@example.test');
    expect([totp.algorithm, totp.digits, totp.period]).toEqual(['SHA1', 6, 30]);
    const now = new Date('2026-11-28T12:00:00Z');
    expect(totp.generate({ timestamp: now.getTime() })).toBe(totpCode(secret, now));
  });
});
