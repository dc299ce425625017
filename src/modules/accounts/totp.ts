/**
 * Time-based one-time passwords for the second factor, on the `otpauth` library: RFC 6238 TOTP
 * over RFC 4226 HOTP, HMAC-SHA-1, 6 digits, 30-second steps from the Unix epoch (what authenticator
 * apps assume), and RFC 4648 base32 for the shared secret. The library computes the codes and the
 * base32; this module keeps what is ours: a strict reading of stored secrets, the window, the
 * replay rule and the exact otpauth:// URI shown as a QR code (ADR 0019).
 *
 * Secrets stored before the library came in are the same thing (20 random bytes as 32 upper-case
 * base32 characters), so enrolled users keep their authenticator.
 *
 * What the caller must do (ASVS 6.5): store the secret encrypted or at least server-side only;
 * after a successful `verifyTotp` store the returned `step` as the user's last used step, in the
 * same transaction that signs them in, and pass it back next time so a code cannot be used twice;
 * rate-limit attempts (a guess matches one of 3 accepted codes with probability 3 in a million).
 */
import { HOTP, Secret, TOTP } from 'otpauth';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** 160 bits, the length RFC 4226 recommends and HMAC-SHA-1's output size. */
export const TOTP_SECRET_BYTES = 20;

const ALGORITHM = 'SHA1';
const BASE32_TEXT = /^[A-Z2-7]*=*$/i;

/** A copy of the bytes as a library secret (a Buffer may be a view into a larger shared pool). */
function secretOf(bytes: Uint8Array): Secret {
  return new Secret({ buffer: Uint8Array.from(bytes).buffer });
}

/** Base32 with the RFC 4648 alphabet, upper case, without "=" padding. */
export function base32Encode(bytes: Uint8Array): string {
  return secretOf(bytes).base32;
}

/**
 * Decodes base32, either case, with or without "=" padding. Throws on any other character
 * (spaces included: the library would skip them, but a stored secret never has one), on a length no
 * encoding can have, or on non-zero trailing bits: only the one canonical spelling of some bytes is
 * read, so a damaged secret is refused rather than read as another key.
 */
export function base32Decode(text: string): Buffer {
  if (!BASE32_TEXT.test(text)) throw new Error('Invalid base32 character');
  const body = text.toUpperCase().replace(/=+$/, '');
  const bytes = Secret.fromBase32(body).bytes;
  if (base32Encode(bytes) !== body) throw new Error('Invalid base32: not a canonical encoding');
  return Buffer.from(bytes);
}

/** RFC 4226 HOTP: HMAC-SHA-1 of the 8-byte big-endian counter, dynamically truncated. */
export function hotp(key: Uint8Array, counter: number, digits: number = TOTP_DIGITS): string {
  if (!Number.isSafeInteger(counter) || counter < 0) {
    throw new RangeError('HOTP counter must be a non-negative safe integer');
  }
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) {
    throw new RangeError('HOTP digits must be 6, 7 or 8');
  }
  return HOTP.generate({ secret: secretOf(key), algorithm: ALGORITHM, digits, counter });
}

/** The RFC 6238 time step (T0 = 0, X = 30 s) that `now` falls in. */
export function totpStep(now: Date): number {
  const ms = now.getTime();
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError('TOTP needs a valid date after 1970');
  return TOTP.counter({ period: TOTP_PERIOD_SECONDS, timestamp: ms });
}

/** The code an authenticator shows at `now` for a base32 secret. */
export function totpCode(secret: string, now: Date, digits: number = TOTP_DIGITS): string {
  return hotp(base32Decode(secret), totpStep(now), digits);
}

/** A new shared secret: 20 random bytes as base32 (32 characters). */
export function generateTotpSecret(): string {
  return new Secret({ size: TOTP_SECRET_BYTES }).base32;
}

export interface TotpUriInput {
  /** Base32, as from `generateTotpSecret`. */
  secret: string;
  /** Shown in the authenticator, usually the email address. */
  accountName: string;
  /** The service's name, shown in the authenticator. */
  issuer: string;
}

/**
 * The otpauth:// URI an authenticator app reads from a QR code (the Key URI Format used by Google
 * Authenticator and others): `otpauth://totp/Issuer:account?secret=...&issuer=Issuer&...`.
 * Issuer and account name are percent-encoded (spaces as %20, never "+"); neither may contain a
 * colon, which the label uses as its separator. Written here rather than by the library's
 * `toString()`, which orders the parameters differently: the QR code stays the one we always showed.
 */
export function totpUri({ secret, accountName, issuer }: TotpUriInput): string {
  if (!issuer || !accountName) throw new RangeError('TOTP URI needs an issuer and account name');
  if (issuer.includes(':') || accountName.includes(':')) {
    throw new RangeError('TOTP issuer and account name must not contain a colon');
  }
  const normalisedSecret = base32Encode(base32Decode(secret)); // throws if not base32
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`;
  const query = [
    `secret=${normalisedSecret}`,
    `issuer=${encodeURIComponent(issuer)}`,
    `algorithm=${ALGORITHM}`,
    `digits=${TOTP_DIGITS}`,
    `period=${TOTP_PERIOD_SECONDS}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}

export interface VerifyTotpOptions {
  /** The server's clock; defaults to the current time. */
  now?: Date;
  /** How many steps either side of `now` to accept for clock drift: 0, 1 (default) or 2. */
  window?: number;
  /** The step of the last code this user used successfully, if any; it and earlier are refused. */
  lastUsedStep?: number | null;
}

export type VerifyTotpResult = { ok: true; step: number } | { ok: false };

/**
 * Checks a code typed by the user against a base32 secret. Spaces in the code are ignored
 * ("123 456"). Accepts the codes of the steps from `now - window` to `now + window`, except steps
 * at or before `lastUsedStep` (so a code cannot be replayed, nor an older one used after a newer
 * one). Every candidate is compared (the library compares in constant time). On success returns the
 * step matched: store it as the new `lastUsedStep`. Never throws for a bad code or a malformed
 * secret (returns `{ ok: false }`); throws RangeError for invalid options.
 *
 * The library's own `validate` searches the window but knows nothing of used steps, so each
 * candidate step is asked about on its own (a window of 0 around it).
 */
export function verifyTotp(
  secret: string,
  code: string,
  options: VerifyTotpOptions = {},
): VerifyTotpResult {
  const { now = new Date(), window = 1, lastUsedStep = null } = options;
  if (!Number.isInteger(window) || window < 0 || window > 2) {
    throw new RangeError('TOTP window must be 0, 1 or 2');
  }
  if (lastUsedStep !== null && !Number.isSafeInteger(lastUsedStep)) {
    throw new RangeError('lastUsedStep must be an integer');
  }
  const current = totpStep(now);

  if (typeof code !== 'string') return { ok: false };
  const token = code.replace(/\s+/g, '');
  if (!new RegExp(`^[0-9]{${TOTP_DIGITS}}$`).test(token)) return { ok: false };

  let key: Buffer;
  try {
    key = base32Decode(secret);
  } catch {
    return { ok: false };
  }
  if (key.length === 0) return { ok: false };
  const libSecret = secretOf(key);

  let matched: number | null = null;
  // Current step first, so that in the (one in a million) case of two steps sharing a code the
  // current one is the one recorded.
  const steps = [current];
  for (let d = 1; d <= window; d += 1) steps.push(current - d, current + d);
  for (const step of steps) {
    if (step < 0 || (lastUsedStep !== null && step <= lastUsedStep)) continue;
    const delta = HOTP.validate({
      token,
      secret: libSecret,
      algorithm: ALGORITHM,
      digits: TOTP_DIGITS,
      counter: step,
      window: 0,
    });
    if (delta === 0 && matched === null) matched = step;
  }
  return matched === null ? { ok: false } : { ok: true, step: matched };
}
