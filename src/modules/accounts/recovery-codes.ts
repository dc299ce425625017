/**
 * Recovery codes: single-use lookup secrets (ASVS 6.5) a user keeps in case they lose their
 * authenticator, shown once when made, e.g. `7kq2m-xh9tp-4wnbd-ra3ve-gjy6c`.
 *
 * Each code is 25 characters drawn uniformly, by the CSPRNG, from a 31-symbol alphabet with no
 * look-alikes (no 0/o, 1/i/l): 25 * log2(31) ≈ 123.9 bits of entropy. That is why a fast,
 * unsalted SHA-256 is an acceptable way to store them: ASVS 6.5.2 requires a salted password hash
 * (scrypt and the like) for lookup secrets with less than 112 bits of entropy and allows a
 * standard hash function from 112 bits up. At this size guessing or brute-forcing a stored hash
 * is hopeless, and an unsalted hash lets sign-in find a code with one indexed lookup instead of
 * running a slow hash against each of the user's codes. (Shorter codes, such as 10 characters,
 * would carry about 50 bits and need the slow salted hash.)
 *
 * The caller stores only `hashRecoveryCode(code)` for each code, looks a typed code up by its
 * hash among that user's unused codes, and marks it used in the same transaction that accepts it
 * (ASVS 6.5.1: usable once). Rate-limit attempts as for passwords.
 */
import { createHash, randomInt } from 'node:crypto';

/** Digits 2-9 and the letters a-z without i, l and o. */
export const RECOVERY_CODE_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
export const RECOVERY_CODE_GROUPS = 5;
export const RECOVERY_CODE_GROUP_LENGTH = 5;
export const RECOVERY_CODE_LENGTH = RECOVERY_CODE_GROUPS * RECOVERY_CODE_GROUP_LENGTH;
export const RECOVERY_CODE_ENTROPY_BITS =
  RECOVERY_CODE_LENGTH * Math.log2(RECOVERY_CODE_ALPHABET.length);
export const DEFAULT_RECOVERY_CODE_COUNT = 10;

function generateOne(): string {
  const groups: string[] = [];
  for (let g = 0; g < RECOVERY_CODE_GROUPS; g += 1) {
    let group = '';
    for (let i = 0; i < RECOVERY_CODE_GROUP_LENGTH; i += 1) {
      group += RECOVERY_CODE_ALPHABET[randomInt(RECOVERY_CODE_ALPHABET.length)];
    }
    groups.push(group);
  }
  return groups.join('-');
}

/** `n` distinct new codes for display, as `xxxxx-xxxxx-xxxxx-xxxxx-xxxxx`. */
export function generateRecoveryCodes(n: number = DEFAULT_RECOVERY_CODE_COUNT): string[] {
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new RangeError('Number of recovery codes must be from 1 to 100');
  }
  const codes = new Set<string>();
  while (codes.size < n) codes.add(generateOne());
  return [...codes];
}

/**
 * A typed code in the form that is hashed: NFKC, lower case, without spaces or hyphens (any
 * Unicode dash). `" 7KQ2M–XH9TP 4wnbd-ra3ve-gjy6c "` gives `7kq2mxh9tp4wnbdra3vegjy6c`.
 */
export function normaliseRecoveryCode(input: string): string {
  return input
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{Pd}]+/gu, '');
}

/** Whether a typed code could be a recovery code at all (to show a format error rather than a miss). */
export function isWellFormedRecoveryCode(input: string): boolean {
  const code = normaliseRecoveryCode(input);
  if (code.length !== RECOVERY_CODE_LENGTH) return false;
  for (const char of code) if (!RECOVERY_CODE_ALPHABET.includes(char)) return false;
  return true;
}

/** The SHA-256 (hex) of the normalised code: what is stored, and what a typed code is looked up by. */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normaliseRecoveryCode(code), 'utf8').digest('hex');
}
