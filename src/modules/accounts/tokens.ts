/**
 * One-time link tokens: the first-sign-in (set-up) link, invitations and password reset.
 *
 * A token is 32 random bytes from the CSPRNG, base64url (43 characters, URL-safe, no padding),
 * sent to the user once. Only its SHA-256 (hex) is stored, so a copy of the database does not
 * hold usable links. A fast hash is enough because the token carries 256 bits of entropy (ASVS
 * 6.5.2 allows a standard hash function from 112 bits up).
 *
 * The caller stores the hash with an expiry and a purpose, looks a received token up by
 * `hashToken(token)`, checks the purpose and expiry, and deletes or marks it used in the same
 * transaction that acts on it, so it works once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A new token to send, and the hash to store in its place. */
export function createOneTimeToken(): { token: string; hash: string } {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, hash: hashToken(token) };
}

/** SHA-256 of the token as received, lower-case hex (64 characters). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether a received string has the shape of a token (to refuse junk before any lookup). */
export function isWellFormedToken(token: unknown): token is string {
  return typeof token === 'string' && TOKEN_PATTERN.test(token);
}

/**
 * Constant-time equality of two strings such as hex hashes. Exact: case matters. Strings of
 * different length are unequal at once (length is not secret here). Never throws.
 */
export function safeEqual(a: string, b: string): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
