/**
 * Password hashing and the password policy (OWASP ASVS 5.0, V6.2 and V11.4).
 *
 * Stored form: `scrypt$N$r$p$saltB64$hashB64`, e.g. `scrypt$131072$8$1$<16-byte salt>$<32-byte key>`
 * (standard base64). The cost parameters travel with each hash, so they can be raised later:
 * `needsRehash(stored)` says when a stored hash was made with other parameters, and sign-in then
 * stores `await hashPassword(plain)` in its place.
 *
 * Parameters: N = 2^17, r = 8, p = 1 is OWASP's Password Storage Cheat Sheet's first scrypt
 * setting. It needs 128 MiB per hash (128 * N * r bytes); Node's default `maxmem` is 32 MiB, so it
 * is raised. A hash took 650-900 ms on the 2-core development machine (a virtual AMD EPYC).
 *
 * Each hash runs on libuv's thread pool (4 threads by default), which file reads and DNS share.
 * At most MAX_CONCURRENT_HASHES hashes run at once; the rest queue here, so a burst of sign-ins
 * neither starves the pool nor takes more than 256 MiB. Sign-in must still be rate-limited (ASVS
 * 6.3.1): each attempt costs the server ~0.8 s of CPU.
 *
 * Unicode: the password is normalised to NFC before hashing and when checking the policy, so the
 * same characters typed on different systems (a precomposed "é" or "e" + combining accent) are
 * the same password, as NIST SP 800-63B advises. Nothing else is changed: no trimming, no case
 * folding, no truncation (ASVS 6.2.8).
 *
 * No user enumeration by timing: sign-in must spend the same time whether or not the email is
 * known. Pass the user's stored hash, or null/undefined when there is no such user or the user
 * has no password yet; `verifyPassword` then checks against DUMMY_HASH at full cost and returns
 * false:
 *
 *     const user = await repo.findByEmail(email);              // may be undefined
 *     const ok = await verifyPassword(password, user?.passwordHash);
 *     if (!user || !ok) return signInFailed();                  // one message for both cases
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { PROJECT_ROOT } from '../../shared/project-root';

export interface ScryptParams {
  /** CPU/memory cost, a power of 2. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

/** The parameters new hashes are made with. Raise them here; old hashes are rehashed on sign-in. */
export const CURRENT_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({
  N: 2 ** 17,
  r: 8,
  p: 1,
});

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const PREFIX = 'scrypt';

/** How many scrypt computations may run at once in this process (see the file comment). */
export const MAX_CONCURRENT_HASHES = 2;

// Bounds on parameters read from a stored hash, so a corrupt or hostile value cannot make
// verification take gigabytes of memory or minutes of CPU. Outside them the value is malformed.
const MAX_MEMORY_BYTES = 512 * 1024 * 1024;
const MAX_WORK = 4 * CURRENT_SCRYPT_PARAMS.N * CURRENT_SCRYPT_PARAMS.r * CURRENT_SCRYPT_PARAMS.p;

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 128;

/**
 * Longer input (in UTF-16 code units, before normalising) is refused without hashing: it cannot
 * be a password that met the policy, and it keeps the cost of a request bounded.
 */
const MAX_INPUT_UNITS = 8 * MAX_PASSWORD_LENGTH;

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

// --- concurrency limit -------------------------------------------------------------------------

/** Runs at most `max` of the given tasks at a time, the others in the order they were queued. */
export function createLimiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active < max) active += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      // Hand this slot straight to the next queued task, or free it.
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}

const limitHashing = createLimiter(MAX_CONCURRENT_HASHES);

function deriveKey(
  plain: string,
  salt: Buffer,
  params: ScryptParams,
  keyBytes: number,
): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    // Node refuses when 128 * N * r exceeds maxmem; leave headroom over that.
    maxmem: 2 * 128 * params.N * params.r,
  };
  const input = Buffer.from(plain.normalize('NFC'), 'utf8');
  return limitHashing(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scrypt(input, salt, keyBytes, options, (err, key) => (err ? reject(err) : resolve(key)));
      }),
  );
}

// --- stored format -----------------------------------------------------------------------------

function formatHash(params: ScryptParams, salt: Buffer, key: Buffer): string {
  return [
    PREFIX,
    params.N,
    params.r,
    params.p,
    salt.toString('base64'),
    key.toString('base64'),
  ].join('$');
}

const DECIMAL = /^[1-9][0-9]{0,9}$/;

function parseBase64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  // Only the canonical encoding, so one hash has one spelling.
  return bytes.toString('base64') === text ? bytes : null;
}

function parseHash(stored: unknown): ParsedHash | null {
  if (typeof stored !== 'string' || stored.length > 512) return null;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== PREFIX) return null;
  const [, nText, rText, pText, saltText, keyText] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!DECIMAL.test(nText) || !DECIMAL.test(rText) || !DECIMAL.test(pText)) return null;
  const params = { N: Number(nText), r: Number(rText), p: Number(pText) };
  const { N, r, p } = params;
  if (N < 2 || (N & (N - 1)) !== 0 || N > 2 ** 24) return null; // a power of 2
  if (r > 64 || p > 16) return null;
  if (128 * N * r > MAX_MEMORY_BYTES || N * r * p > MAX_WORK) return null;
  const salt = parseBase64(saltText);
  const key = parseBase64(keyText);
  if (!salt || !key) return null;
  if (salt.length < 8 || salt.length > 64 || key.length < 16 || key.length > 64) return null;
  return { params, salt, key };
}

/**
 * The scrypt parameters a stored hash was made with, or null if it is not a hash this module can
 * verify (wrong shape, non-canonical base64, or parameters outside the bounds above).
 */
export function readHashParams(stored: string): ScryptParams | null {
  return parseHash(stored)?.params ?? null;
}

// --- hashing -----------------------------------------------------------------------------------

/**
 * Hashes a password for storage with CURRENT_SCRYPT_PARAMS and a fresh 16-byte salt.
 * Check `checkPasswordPolicy` first; this only refuses an empty or absurdly long string.
 */
export async function hashPassword(plain: string): Promise<string> {
  if (typeof plain !== 'string' || plain.length === 0) {
    throw new TypeError('hashPassword needs a non-empty string');
  }
  if (plain.length > MAX_INPUT_UNITS) throw new RangeError('Password is too long to hash');
  const salt = randomBytes(SALT_BYTES);
  const key = await deriveKey(plain, salt, CURRENT_SCRYPT_PARAMS, KEY_BYTES);
  return formatHash(CURRENT_SCRYPT_PARAMS, salt, key);
}

/**
 * A well-formed hash at the current parameters whose salt and key are random bytes, not made from
 * any password, so no password matches it. Checking against it costs what a real check costs.
 * `verifyPassword` uses it by itself when given no stored hash; it is exported for callers that
 * need to spend the same time some other way.
 */
export const DUMMY_HASH: string = formatHash(
  CURRENT_SCRYPT_PARAMS,
  randomBytes(SALT_BYTES),
  randomBytes(KEY_BYTES),
);

const DUMMY_PARSED = parseHash(DUMMY_HASH) as ParsedHash;

/**
 * Whether `plain` is the password `stored` was made from. Constant-time comparison. Never throws:
 * false for a malformed stored value, a non-string password or input too long to be a password.
 * With `stored` null, undefined or malformed it still spends the time of a real check (against
 * DUMMY_HASH) before answering false, so callers can pass `user?.passwordHash` directly.
 */
export async function verifyPassword(
  plain: string,
  stored: string | null | undefined,
): Promise<boolean> {
  const parsed = parseHash(stored);
  const target = parsed ?? DUMMY_PARSED;
  const usable = typeof plain === 'string' && plain.length <= MAX_INPUT_UNITS;
  try {
    const key = await deriveKey(usable ? plain : '', target.salt, target.params, target.key.length);
    const same = timingSafeEqual(key, target.key);
    return same && parsed !== null && usable;
  } catch {
    return false;
  }
}

/**
 * Whether a stored hash should be replaced: it was made with parameters other than the current
 * ones, or is not a hash this module can read. Call after a successful `verifyPassword`, then
 * store `await hashPassword(plain)`.
 */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return true;
  const { params, salt, key } = parsed;
  return (
    params.N !== CURRENT_SCRYPT_PARAMS.N ||
    params.r !== CURRENT_SCRYPT_PARAMS.r ||
    params.p !== CURRENT_SCRYPT_PARAMS.p ||
    salt.length !== SALT_BYTES ||
    key.length !== KEY_BYTES
  );
}

// --- policy ------------------------------------------------------------------------------------

/**
 * Words linked to this service that must not be a password on their own, whatever digits,
 * spaces or punctuation surround them (ASVS 6.1.2 and 6.2.11: the documented list of
 * context-specific words). Callers add the configured service name and the user's organisation
 * through `PasswordContext.otherWords`.
 */
export const CONTEXT_WORDS: readonly string[] = Object.freeze([
  'recommendation tracker',
  'recommendations tracker',
  'recommendation',
  'recommendations',
  'tracker',
  'oversight',
  'overseer',
  'police',
  'policing',
  'constabulary',
  'force lead',
  'IOPC',
  'Independent Office for Police Conduct',
  'HMICFRS',
  'coroner',
  'Operation Linden',
  'admin',
  'administrator',
]);

export interface PasswordContext {
  email?: string | null;
  /** The user's full name as entered, e.g. "Jane Smith". */
  name?: string | null;
  /** More context-specific words, e.g. the configured service name or the user's organisation. */
  otherWords?: readonly string[];
}

export const PASSWORD_PROBLEMS = Object.freeze({
  empty: 'Enter a password',
  tooShort: `Password must be ${MIN_PASSWORD_LENGTH} characters or more`,
  tooLong: `Password must be ${MAX_PASSWORD_LENGTH} characters or fewer`,
  common:
    'Password is too common. Choose one that is harder to guess, for example 3 or more random words',
  email: 'Password must not be your email address or based on it',
  name: 'Password must not be your name or based on it',
  contextWord: 'Password must not be the name of this service or a word linked to it',
  pattern: 'Password must not be a character or word repeated, or a run like abcdef',
});

let commonPasswords: ReadonlySet<string> | undefined;

/** The file ships beside this module; compiled code in dist/ falls back to the source folder. */
function commonPasswordsFile(): string {
  const candidates = [
    path.join(__dirname, 'common-passwords.txt'),
    path.join(PROJECT_ROOT, 'src', 'modules', 'accounts', 'common-passwords.txt'),
  ];
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) throw new Error(`common-passwords.txt not found in ${candidates.join(' or ')}`);
  return found;
}

/**
 * The common-password list as a Set of lower-case NFC strings, read once on first use. Throws if
 * the file is missing or looks truncated, so the check fails closed. Call it at start-up to find
 * out then rather than at the first password change.
 */
export function loadCommonPasswords(): ReadonlySet<string> {
  if (!commonPasswords) {
    const lines = fs.readFileSync(commonPasswordsFile(), 'utf8').split(/\r?\n/);
    const set = new Set(lines.filter((line) => line.length > 0));
    if (set.size < 1000) throw new Error(`common-passwords.txt has only ${set.size} entries`);
    commonPasswords = set;
  }
  return commonPasswords;
}

/** The key a password is looked up by in the common list: NFC, lower case. */
export function commonPasswordKey(text: string): string {
  return text.normalize('NFC').toLowerCase();
}

/** The letters alone, lower case: "Police-2024!" and "p o l i c e 99" both give "police". */
function lettersOf(text: string): string {
  return commonPasswordKey(text).replace(/[^\p{L}\p{M}]/gu, '');
}

function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/** "aaaa…", "abcabc…", "qwertyqwerty": a shorter string repeated; or a run such as "abcdefghijkl". */
function isTrivialPattern(key: string): boolean {
  if (/^(.+?)\1+$/su.test(key)) return true;
  const points = Array.from(key, (c) => c.codePointAt(0) as number);
  if (points.length < 3) return false;
  const step = (points[1] as number) - (points[0] as number);
  if (step !== 1 && step !== -1) return false;
  return points.every((cp, i) => i === 0 || cp - (points[i - 1] as number) === step);
}

/**
 * Problems with a new password, in plain English, most important first; empty when it is
 * acceptable. Show the first one as the field's error message.
 *
 * Length is counted in Unicode characters (code points) after NFC normalisation. Any character is
 * allowed, spaces included, and there are no composition rules (ASVS 6.2.5). A password is refused
 * if it is in the common-password list (ignoring case), or if, ignoring case, digits, spaces and
 * punctuation, it is a common password, the user's email or name, or a context-specific word
 * (CONTEXT_WORDS and `context.otherWords`); or if it is one short pattern repeated or a run.
 */
export function checkPasswordPolicy(plain: string, context: PasswordContext = {}): string[] {
  if (typeof plain !== 'string' || plain.length === 0) return [PASSWORD_PROBLEMS.empty];
  const nfc = plain.normalize('NFC');
  const length = codePointLength(nfc);
  if (length > MAX_PASSWORD_LENGTH) return [PASSWORD_PROBLEMS.tooLong];

  const problems: string[] = [];
  if (length < MIN_PASSWORD_LENGTH) problems.push(PASSWORD_PROBLEMS.tooShort);

  const key = commonPasswordKey(nfc);
  const letters = lettersOf(nfc);
  const sameLetters = (word: string | null | undefined): boolean => {
    if (!word) return false;
    const wordLetters = lettersOf(word);
    return wordLetters.length > 0 && wordLetters === letters;
  };

  const common = loadCommonPasswords();
  if (common.has(key) || (letters.length > 0 && common.has(letters))) {
    problems.push(PASSWORD_PROBLEMS.common);
  }

  const email = context.email?.trim();
  if (email) {
    const emailKey = commonPasswordKey(email);
    const at = emailKey.lastIndexOf('@');
    const localPart = at > 0 ? emailKey.slice(0, at) : emailKey;
    if (
      key.includes(emailKey) ||
      key === localPart ||
      sameLetters(email) ||
      sameLetters(localPart)
    ) {
      problems.push(PASSWORD_PROBLEMS.email);
    }
  }

  const name = context.name?.trim();
  if (name) {
    const nameParts = commonPasswordKey(name)
      .split(/[^\p{L}\p{M}]+/u)
      .filter((part) => part.length >= 3);
    if (key === commonPasswordKey(name) || sameLetters(name) || nameParts.some(sameLetters)) {
      problems.push(PASSWORD_PROBLEMS.name);
    }
  }

  if ([...CONTEXT_WORDS, ...(context.otherWords ?? [])].some(sameLetters)) {
    problems.push(PASSWORD_PROBLEMS.contextWord);
  }

  if (isTrivialPattern(key)) problems.push(PASSWORD_PROBLEMS.pattern);

  return problems;
}

// --- a hasher with chosen parameters -------------------------------------------------------------

/** Cheap parameters for the test suite only: config refuses them outside NODE_ENV=test. */
export const TEST_SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 12, r: 8, p: 1 });

export interface PasswordHasher {
  hash(plain: string): Promise<string>;
  verify(plain: string, stored: string | null | undefined): Promise<boolean>;
  needsRehash(stored: string): boolean;
}

/**
 * The functions above, bound to a set of parameters. The app builds one from config (production
 * cost by default); tests build one at TEST_SCRYPT_PARAMS so hundreds of sign-ins stay quick.
 * Unknown users are checked against a dummy hash at the same parameters, so timing stays level.
 */
export function createPasswordHasher(
  params: Readonly<ScryptParams> = CURRENT_SCRYPT_PARAMS,
): PasswordHasher {
  if (params === CURRENT_SCRYPT_PARAMS)
    return { hash: hashPassword, verify: verifyPassword, needsRehash };
  const dummy = formatHash(params, randomBytes(SALT_BYTES), randomBytes(KEY_BYTES));
  const same = (p: ScryptParams) => p.N === params.N && p.r === params.r && p.p === params.p;
  return {
    async hash(plain) {
      if (typeof plain !== 'string' || plain.length === 0)
        throw new TypeError('hash needs a non-empty string');
      if (plain.length > MAX_INPUT_UNITS) throw new RangeError('Password is too long to hash');
      const salt = randomBytes(SALT_BYTES);
      return formatHash(params, salt, await deriveKey(plain, salt, params, KEY_BYTES));
    },
    async verify(plain, stored) {
      const parsed = parseHash(stored);
      return verifyPassword(plain, parsed ? stored : dummy).then((ok) => ok && parsed !== null);
    },
    needsRehash(stored) {
      const parsed = parseHash(stored);
      return (
        !parsed ||
        !same(parsed.params) ||
        parsed.salt.length !== SALT_BYTES ||
        parsed.key.length !== KEY_BYTES
      );
    },
  };
}
