import { createOneTimeToken, hashToken, isWellFormedToken, safeEqual } from './tokens';

// SHA-256("abc") from FIPS 180-2, appendix B.1.
const SHA256_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

describe('createOneTimeToken', () => {
  it('makes 32 random bytes as 43 base64url characters', () => {
    const { token } = createOneTimeToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('returns the SHA-256 hex of the token, to store in its place', () => {
    const { token, hash } = createOneTimeToken();
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(hashToken(token));
    expect(hash).not.toContain(token);
  });

  it('never repeats a token', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => createOneTimeToken().token));
    expect(tokens.size).toBe(200);
  });
});

describe('hashToken', () => {
  it('is SHA-256 in lower-case hex of the token as received', () => {
    expect(hashToken('abc')).toBe(SHA256_ABC);
    expect(hashToken('ABC')).not.toBe(SHA256_ABC);
  });
});

describe('isWellFormedToken', () => {
  it('accepts a new token and refuses junk', () => {
    expect(isWellFormedToken(createOneTimeToken().token)).toBe(true);
    expect(isWellFormedToken('a'.repeat(42))).toBe(false);
    expect(isWellFormedToken(`${'a'.repeat(42)}=`)).toBe(false);
    expect(isWellFormedToken(`${'a'.repeat(42)}+`)).toBe(false);
    expect(isWellFormedToken(undefined)).toBe(false);
  });
});

describe('safeEqual', () => {
  it('is true for equal strings and false for any difference', () => {
    const hash = hashToken('x');
    expect(safeEqual(hash, hashToken('x'))).toBe(true);
    expect(safeEqual(hash, `${hash.slice(0, -1)}${hash.endsWith('0') ? '1' : '0'}`)).toBe(false);
    expect(safeEqual(hash, hash.slice(1))).toBe(false);
    expect(safeEqual(hash, '')).toBe(false);
    expect(safeEqual(SHA256_ABC, SHA256_ABC.toUpperCase())).toBe(false);
  });

  it('does not throw for strings of equal length but different byte length, or non-strings', () => {
    expect(safeEqual('ab', 'aé')).toBe(false);
    expect(safeEqual(undefined as unknown as string, 'ab')).toBe(false);
  });
});
