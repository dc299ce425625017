import {
  RECOVERY_CODE_ALPHABET,
  RECOVERY_CODE_ENTROPY_BITS,
  generateRecoveryCodes,
  hashRecoveryCode,
  isWellFormedRecoveryCode,
  normaliseRecoveryCode,
} from './recovery-codes';

// SHA-256("abc") from FIPS 180-2, appendix B.1.
const SHA256_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const FORMAT = /^[2-9a-hjkmnp-z]{5}(-[2-9a-hjkmnp-z]{5}){4}$/;

describe('generateRecoveryCodes', () => {
  it('makes 10 different codes by default, as five groups of five', () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(FORMAT);
  });

  it('makes as many as asked, and refuses silly counts', () => {
    expect(generateRecoveryCodes(3)).toHaveLength(3);
    expect(() => generateRecoveryCodes(0)).toThrow(RangeError);
    expect(() => generateRecoveryCodes(1.5)).toThrow(RangeError);
  });

  it('uses no look-alike characters', () => {
    expect(RECOVERY_CODE_ALPHABET).not.toMatch(/[01ilo]/);
    expect(new Set(RECOVERY_CODE_ALPHABET).size).toBe(RECOVERY_CODE_ALPHABET.length);
  });

  it('has at least 112 bits of entropy, so an unsalted SHA-256 may store it (ASVS 6.5.2)', () => {
    expect(RECOVERY_CODE_ENTROPY_BITS).toBeGreaterThanOrEqual(112);
    const [code] = generateRecoveryCodes(1);
    const symbols = (code as string).replace(/-/g, '').length;
    expect(symbols * Math.log2(RECOVERY_CODE_ALPHABET.length)).toBeGreaterThanOrEqual(112);
  });

  it('draws on the whole alphabet, roughly evenly', () => {
    const counts = new Map<string, number>();
    for (const code of generateRecoveryCodes(100).join('').replace(/-/g, '')) {
      counts.set(code, (counts.get(code) ?? 0) + 1);
    }
    // 2,500 symbols over 31: about 81 each; a symbol never or twice as often drawn is a bug.
    expect(counts.size).toBe(RECOVERY_CODE_ALPHABET.length);
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(40);
      expect(n).toBeLessThan(160);
    }
  });
});

describe('normaliseRecoveryCode and hashRecoveryCode', () => {
  it('ignores case, spaces and hyphens or other dashes', () => {
    const code = '7kq2m-xh9tp-4wnbd-ra3ve-gjy6c';
    const canonical = '7kq2mxh9tp4wnbdra3vegjy6c';
    for (const typed of [
      code,
      code.toUpperCase(),
      ' 7KQ2M XH9TP 4WNBD RA3VE GJY6C ',
      '7kq2m\u2013xh9tp\u2014 4wnbd\u2010ra3ve-gjy6c',
      '７ｋｑ２ｍ-xh9tp-4wnbd-ra3ve-gjy6c', // full-width, as some keyboards type
    ]) {
      expect(normaliseRecoveryCode(typed)).toBe(canonical);
      expect(hashRecoveryCode(typed)).toBe(hashRecoveryCode(canonical));
    }
  });

  it('is the SHA-256 in hex of the normalised code', () => {
    expect(hashRecoveryCode('A-B C')).toBe(SHA256_ABC);
  });

  it('gives different codes different hashes', () => {
    const [a, b] = generateRecoveryCodes(2) as [string, string];
    expect(hashRecoveryCode(a)).not.toBe(hashRecoveryCode(b));
    expect(hashRecoveryCode(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('tells a well-formed code from one that cannot be a code', () => {
    const [code] = generateRecoveryCodes(1) as [string];
    expect(isWellFormedRecoveryCode(code)).toBe(true);
    expect(isWellFormedRecoveryCode(code.toUpperCase().replace(/-/g, ' '))).toBe(true);
    expect(isWellFormedRecoveryCode(code.slice(0, -1))).toBe(false);
    expect(isWellFormedRecoveryCode(`${code.slice(0, -1)}0`)).toBe(false);
    expect(isWellFormedRecoveryCode('')).toBe(false);
  });
});
