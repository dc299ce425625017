import { scryptSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import {
  CONTEXT_WORDS,
  CURRENT_SCRYPT_PARAMS,
  DUMMY_HASH,
  MAX_PASSWORD_LENGTH,
  PASSWORD_PROBLEMS as P,
  type ScryptParams,
  checkPasswordPolicy,
  createLimiter,
  hashPassword,
  loadCommonPasswords,
  needsRehash,
  readHashParams,
  verifyPassword,
} from './password';

// Hashes made here with node's scryptSync directly, at a low cost so the tests stay fast. They
// check that verifyPassword reads the stored format and parameters rather than assuming them.
const LOW: ScryptParams = { N: 1024, r: 8, p: 1 };
function storedElsewhere(plain: string, params = LOW, salt = Buffer.alloc(16, 7), keyLength = 32) {
  const key = scryptSync(plain, salt, keyLength, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

describe('hashPassword at the current cost', () => {
  const plain = 'correct horse battery staple';
  let first: string;
  let second: string;

  beforeAll(async () => {
    [first, second] = await Promise.all([hashPassword(plain), hashPassword(plain)]);
  });

  it('stores scrypt$N$r$p$salt$hash with N=2^17, r=8, p=1, a 16-byte salt and a 32-byte hash', () => {
    const parts = first.split('$');
    expect(parts.slice(0, 4)).toEqual(['scrypt', '131072', '8', '1']);
    expect(Buffer.from(parts[4] as string, 'base64')).toHaveLength(16);
    expect(Buffer.from(parts[5] as string, 'base64')).toHaveLength(32);
    expect(CURRENT_SCRYPT_PARAMS).toEqual({ N: 2 ** 17, r: 8, p: 1 });
  });

  it('is really scrypt of the UTF-8 password with the stored salt and parameters', () => {
    const [, , , , salt, hash] = first.split('$') as string[];
    const key = scryptSync(plain, Buffer.from(salt as string, 'base64'), 32, {
      N: 2 ** 17,
      r: 8,
      p: 1,
      maxmem: 256 * 1024 * 1024,
    });
    expect(key.toString('base64')).toBe(hash);
  });

  it('uses a fresh salt each time, so the same password gives different hashes', () => {
    expect(second).not.toBe(first);
    expect(first.split('$')[4]).not.toBe(second.split('$')[4]);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const results = await Promise.all([
      verifyPassword(plain, first),
      verifyPassword('correct horse battery stapler', first),
    ]);
    expect(results).toEqual([true, false]);
  });

  it('spends about as long on a missing user as on a real check (no enumeration by timing)', async () => {
    const time = async (f: () => Promise<boolean>) => {
      const start = performance.now();
      await f();
      return performance.now() - start;
    };
    const real = await time(() => verifyPassword('a wrong password', first));
    const missing = await time(() => verifyPassword('a wrong password', null));
    // Both run scrypt at the current cost (hundreds of ms); a shortcut would take ~0 ms.
    expect(missing).toBeGreaterThan(real * 0.4);
  });

  it('does not need a rehash', () => {
    expect(needsRehash(first)).toBe(false);
  });

  it('refuses an empty password', async () => {
    await expect(hashPassword('')).rejects.toThrow(TypeError);
  });
});

describe('verifyPassword', () => {
  it('verifies a hash made with other parameters, read from the stored string', async () => {
    const stored = storedElsewhere('plain old passphrase', { N: 2048, r: 4, p: 2 });
    await expect(verifyPassword('plain old passphrase', stored)).resolves.toBe(true);
    await expect(verifyPassword('plain old passphrasE', stored)).resolves.toBe(false);
  });

  it('honours the stored hash length', async () => {
    const stored = storedElsewhere('sixty-four byte key', LOW, Buffer.alloc(16, 1), 64);
    await expect(verifyPassword('sixty-four byte key', stored)).resolves.toBe(true);
  });

  it('treats canonically equivalent Unicode as the same password (NFC)', async () => {
    const composed = 'caf\u00e9 cr\u00e8me br\u00fbl\u00e9e';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    await expect(verifyPassword(decomposed, storedElsewhere(composed))).resolves.toBe(true);
  });

  it('does not change case, trim or truncate the password', async () => {
    const stored = storedElsewhere('Mixed Case Words ');
    await expect(verifyPassword('mixed case words ', stored)).resolves.toBe(false);
    await expect(verifyPassword('Mixed Case Words', stored)).resolves.toBe(false);
    await expect(verifyPassword('Mixed Case Words  ', stored)).resolves.toBe(false);
    await expect(verifyPassword('Mixed Case Words ', stored)).resolves.toBe(true);
  });

  it('returns false, without throwing, for malformed stored values and bad input', async () => {
    const good = storedElsewhere('a password here');
    const results = await Promise.all([
      verifyPassword('a password here', 'not a hash'),
      verifyPassword('a password here', good.replace('scrypt$', 'bcrypt$')),
      verifyPassword('x'.repeat(100_000), good),
      verifyPassword(undefined as unknown as string, good),
    ]);
    expect(results).toEqual([false, false, false, false]);
  });

  it('answers false for a missing user (null or undefined) and for DUMMY_HASH', async () => {
    const results = await Promise.all([
      verifyPassword('any password at all', null),
      verifyPassword('any password at all', undefined),
    ]);
    expect(results).toEqual([false, false]);
    // A password the dummy was made from would have to give random 32 bytes: none does.
    await expect(verifyPassword('', DUMMY_HASH)).resolves.toBe(false);
  });
});

describe('stored hash format', () => {
  it('reads the parameters of a well-formed hash', () => {
    expect(readHashParams(storedElsewhere('x', { N: 4096, r: 8, p: 1 }))).toEqual({
      N: 4096,
      r: 8,
      p: 1,
    });
    expect(readHashParams(DUMMY_HASH)).toEqual(CURRENT_SCRYPT_PARAMS);
  });

  const good = storedElsewhere('x');
  const [, , , , salt, key] = good.split('$') as string[];
  it.each([
    ['empty', ''],
    ['another algorithm', good.replace(/^scrypt/, 'argon2id')],
    ['too few fields', good.split('$').slice(0, 5).join('$')],
    ['too many fields', `${good}$extra`],
    ['N not a power of 2', good.replace('$1024$', '$1000$')],
    ['N with a leading zero', good.replace('$1024$', '$01024$')],
    ['N of 2^21 (2 GiB of memory)', good.replace('$1024$', '$2097152$')],
    ['p of 0', good.replace('$8$1$', '$8$0$')],
    ['p of 17', good.replace('$8$1$', '$8$17$')],
    ['a negative r', good.replace('$8$1$', '$-8$1$')],
    ['salt not base64', good.replace(salt as string, '!!!!')],
    ['salt of 4 bytes', good.replace(salt as string, 'AAAAAA==')],
    ['hash of 8 bytes', good.replace(key as string, 'AAAAAAAAAAA=')],
    ['non-canonical base64', good.replace(key as string, `${(key as string).replace(/=+$/, '')}`)],
  ])('refuses %s', (_label, stored) => {
    expect(readHashParams(stored)).toBeNull();
    expect(needsRehash(stored)).toBe(true);
  });

  it('asks for a rehash when the parameters differ from the current ones', () => {
    expect(needsRehash(storedElsewhere('x', { N: 1024, r: 8, p: 1 }))).toBe(true);
    expect(needsRehash(storedElsewhere('x', { N: 1024, r: 4, p: 1 }))).toBe(true);
    expect(needsRehash(storedElsewhere('x', { N: 1024, r: 8, p: 2 }))).toBe(true);
    expect(needsRehash(DUMMY_HASH)).toBe(false);
  });
});

describe('createLimiter', () => {
  it('runs at most the given number of tasks at once, in the order queued, freeing slots on failure', async () => {
    const limit = createLimiter(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (i: number) => async () => {
      started.push(i);
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running -= 1;
      if (i === 1) throw new Error('boom');
      return i;
    };
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => limit(task(i))));
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
  });
});

describe('checkPasswordPolicy', () => {
  it('accepts a long enough passphrase with spaces and no composition rules', () => {
    expect(checkPasswordPolicy('velvet harbour turnip')).toEqual([]);
    expect(checkPasswordPolicy('all lower case words here')).toEqual([]);
  });

  it('accepts any Unicode', () => {
    expect(checkPasswordPolicy('Добрый вечер, друзья')).toEqual([]);
    expect(checkPasswordPolicy('晴れた日に散歩するのが好き')).toEqual([]);
  });

  it('asks for a password when it is empty', () => {
    expect(checkPasswordPolicy('')).toEqual([P.empty]);
  });

  it('refuses 11 characters and accepts 12', () => {
    expect(checkPasswordPolicy('violet kiwi')).toEqual([P.tooShort]);
    expect(checkPasswordPolicy('violet kiwis')).toEqual([]);
  });

  it('counts code points after NFC, not UTF-16 units or decomposed marks', () => {
    // 11 characters; 14 code points when decomposed.
    expect(checkPasswordPolicy('r\u00e9sum\u00e9 caf\u00e9'.normalize('NFD'))).toEqual([
      P.tooShort,
    ]);
    // 6 emoji are 12 UTF-16 units but 6 characters; 12 different emoji are enough.
    expect(checkPasswordPolicy('🍎🚲🎻🦉🧭🐙')).toEqual([P.tooShort]);
    expect(checkPasswordPolicy('🍎🚲🌧🎻🦉🧭🪁🐙🌵🥨🛶🎲')).toEqual([]);
  });

  it(`accepts ${MAX_PASSWORD_LENGTH} characters and refuses ${MAX_PASSWORD_LENGTH + 1}`, () => {
    const words = 'amber basil cedar delta ember fjord gravel heron indigo juniper kettle lemon ';
    const long = words.repeat(3).slice(0, MAX_PASSWORD_LENGTH);
    expect([...long]).toHaveLength(128);
    expect(checkPasswordPolicy(long)).toEqual([]);
    expect(checkPasswordPolicy(`${long}x`)).toEqual([P.tooLong]);
  });

  it('refuses a password on the common list, ignoring case', () => {
    expect(loadCommonPasswords().has('qwerty123456')).toBe(true);
    expect(checkPasswordPolicy('qwerty123456')).toEqual([P.common]);
    expect(checkPasswordPolicy('QwErTy123456')).toEqual([P.common]);
  });

  it('refuses a common password with digits, spaces or punctuation added', () => {
    expect(checkPasswordPolicy('Password 2024!')).toEqual([P.common]);
    expect(checkPasswordPolicy('#baseball#1987')).toEqual([P.common]);
  });

  it('refuses the email address, its local part, or either with digits and punctuation', () => {
    const email = 'Jane.Smith-Lead@south-yorks.police.uk';
    const context = { email };
    expect(checkPasswordPolicy('jane.smith-lead@south-yorks.police.uk', context)).toContain(
      P.email,
    );
    expect(checkPasswordPolicy('jane.smith-lead', context)).toContain(P.email);
    expect(checkPasswordPolicy('JaneSmithLead 2025', context)).toContain(P.email);
    expect(checkPasswordPolicy('!jane.smith-lead@south-yorks.police.uk!', context)).toContain(
      P.email,
    );
    expect(checkPasswordPolicy('velvet harbour turnip', context)).toEqual([]);
  });

  it('refuses the name or a part of it, with digits and punctuation added', () => {
    const context = { name: 'Jane Fairweather' };
    expect(checkPasswordPolicy('Jane Fairweather', context)).toEqual([P.name]);
    expect(checkPasswordPolicy('janefairweather1', context)).toEqual([P.name]);
    expect(checkPasswordPolicy('Fairweather 1974', context)).toEqual([P.name]);
    expect(checkPasswordPolicy('fair weather friends', context)).toEqual([]);
  });

  it('refuses the documented context-specific words and the ones passed in', () => {
    expect(CONTEXT_WORDS).toContain('recommendation tracker');
    expect(checkPasswordPolicy('Recommendation Tracker 1')).toEqual([P.contextWord]);
    expect(checkPasswordPolicy('oversight-2025!!')).toEqual([P.contextWord]);
    expect(checkPasswordPolicy('SouthYorkshire 2025', { otherWords: ['South Yorkshire'] })).toEqual(
      [P.contextWord],
    );
    expect(checkPasswordPolicy('SouthYorkshire 2025')).toEqual([]);
  });

  it('refuses a character or string repeated, and runs', () => {
    expect(checkPasswordPolicy('zzzzzzzzzzzzzz')).toContain(P.pattern);
    expect(checkPasswordPolicy('xyzwxyzwxyzw')).toContain(P.pattern);
    expect(checkPasswordPolicy('Kettle7Kettle7')).toContain(P.pattern);
    expect(checkPasswordPolicy('bcdefghijklmn')).toContain(P.pattern);
    expect(checkPasswordPolicy('ponmlkjihgfe')).toContain(P.pattern);
  });

  it('checks a thousand passwords in well under a second once the list is loaded', () => {
    loadCommonPasswords();
    const start = performance.now();
    for (let i = 0; i < 1000; i += 1) {
      checkPasswordPolicy(`candidate passphrase ${i}`, { email: 'a@b.uk', name: 'Ann Bee' });
    }
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

describe('common-passwords.txt', () => {
  const lines = fs
    .readFileSync(path.join(__dirname, 'common-passwords.txt'), 'utf8')
    .split('\n')
    .slice(0, -1);

  it('holds lower-case, NFC, de-duplicated entries of 8 characters or more', () => {
    expect(lines.length).toBeGreaterThan(10_000);
    expect(new Set(lines).size).toBe(lines.length);
    const bad = lines.filter(
      (l) => l !== l.normalize('NFC').toLowerCase() || [...l].length < 8 || /\s$|^\s/.test(l),
    );
    expect(bad).toEqual([]);
  });

  it('is what loadCommonPasswords reads, once', () => {
    const set = loadCommonPasswords();
    expect(set.size).toBe(lines.length);
    expect(loadCommonPasswords()).toBe(set);
  });
});
