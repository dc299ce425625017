import { createHash, randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../test/db';
import { createUser } from '../../../test/auth';
import { fixedClock } from '../../shared/clock';
import { sealSecret } from '../../shared/secret-box';
import {
  checkSecretKeyFingerprint,
  SecretKeyMismatchError,
  secretKeyFingerprint,
} from './secret-key-fingerprint';

const clock = fixedClock('2026-12-02T09:00:00Z');

describe('the SECRET_KEY fingerprint kept in the database', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('is recorded on the first start, matches the same key later, and is neither the key nor a plain hash of it', async () => {
    const key = randomBytes(32);
    expect(await checkSecretKeyFingerprint(db.knex, key, clock)).toBe('recorded');
    expect(await checkSecretKeyFingerprint(db.knex, key, clock)).toBe('matches');

    const rows = await db.knex('secret_key_fingerprints').select('fingerprint');
    expect(rows).toHaveLength(1);
    const stored = rows[0].fingerprint as string;
    expect(stored).toBe(secretKeyFingerprint(key));
    expect(stored).not.toContain(key.toString('hex'));
    expect(stored).not.toContain(key.toString('base64'));
    expect(stored).not.toContain(createHash('sha256').update(key).digest('hex'));
  });

  it('refuses another key with one line naming where the key came from, and keeps the first fingerprint', async () => {
    const key = randomBytes(32);
    await checkSecretKeyFingerprint(db.knex, key, clock);
    const other = randomBytes(32);
    const refusal = checkSecretKeyFingerprint(db.knex, other, clock, 'the key in /data/secret.key');
    await expect(refusal).rejects.toBeInstanceOf(SecretKeyMismatchError);
    await expect(refusal).rejects.toThrow(
      /^Start-up refused: the key in \/data\/secret\.key is not the key this database has used since 2026-12-02\./,
    );
    const message = await refusal.catch((err: Error) => err.message);
    expect(message).not.toContain('\n');
    expect(message).not.toContain(other.toString('base64'));
    expect((await db.knex('secret_key_fingerprints').first('fingerprint')).fingerprint).toBe(
      secretKeyFingerprint(key),
    );
  });

  it('on a database that already holds two-factor secrets, records nothing for a key that cannot open them', async () => {
    const original = randomBytes(32);
    await createUser(db.knex, {
      role: 'admin',
      totpSecretEnc: sealSecret('JBSWY3DPEHPK3PXP', original),
    });
    await expect(checkSecretKeyFingerprint(db.knex, randomBytes(32), clock)).rejects.toThrow(
      /^Start-up refused: SECRET_KEY cannot open the two-factor secrets already in this database/,
    );
    expect(await db.knex('secret_key_fingerprints').count({ n: '*' })).toEqual([{ n: 0 }]);

    expect(await checkSecretKeyFingerprint(db.knex, original, clock)).toBe('recorded');
  });

  it('the table holds one row at most', async () => {
    await checkSecretKeyFingerprint(db.knex, randomBytes(32), clock);
    await expect(
      db.knex('secret_key_fingerprints').insert({
        id: false,
        fingerprint: secretKeyFingerprint(randomBytes(32)),
        recorded_at: new Date(),
      }),
    ).rejects.toThrow('secret_key_fingerprints_single_row');
  });
});
