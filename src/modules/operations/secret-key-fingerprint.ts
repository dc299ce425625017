/**
 * The database remembers which SECRET_KEY it was first started with, as a fingerprint, so that a
 * process given another key stops at start-up with one clear line rather than answering 500 later
 * (two-factor secrets sealed under the old key cannot be opened; signed links stop matching).
 *
 * The fingerprint is HMAC-SHA256 of a fixed label under the key: it reveals nothing about the key
 * and is not a plain hash of it (ADR 0018).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../../shared/clock';
import { openSecret } from '../../shared/secret-box';

const LABEL = 'recommendation-tracker/secret-key-fingerprint/v1';

export function secretKeyFingerprint(key: Buffer): string {
  return `v1.${createHmac('sha256', key).update(LABEL).digest('hex')}`;
}

/** The start-up refuses this key for this database; the message is one line for the terminal. */
export class SecretKeyMismatchError extends Error {}

export type FingerprintCheck = 'recorded' | 'matches';

/**
 * Records the key's fingerprint if the database has none yet, or checks it against the one recorded.
 * A database from before fingerprints were kept, that already holds two-factor secrets, is first
 * checked by opening one of them, so the first start after upgrading cannot record the wrong key.
 * `keySource` names where the key came from, for the message.
 */
export async function checkSecretKeyFingerprint(
  knex: Knex,
  key: Buffer,
  clock: Clock,
  keySource = 'SECRET_KEY',
): Promise<FingerprintCheck> {
  const mine = secretKeyFingerprint(key);
  const recorded = (await knex('secret_key_fingerprints').first('fingerprint', 'recorded_at')) as
    { fingerprint: string; recorded_at: Date | string } | undefined;
  if (recorded) {
    const same =
      recorded.fingerprint.length === mine.length &&
      timingSafeEqual(Buffer.from(recorded.fingerprint), Buffer.from(mine));
    if (same) return 'matches';
    const since = new Date(recorded.recorded_at).toISOString().slice(0, 10);
    throw new SecretKeyMismatchError(
      `Start-up refused: ${keySource} is not the key this database has used since ${since}. ` +
        'Start with that key again (a different key cannot open the two-factor secrets it stores); ' +
        'see docs/administration.md.',
    );
  }

  const sealed = (await knex('users')
    .whereNotNull('totp_secret_enc')
    .orderBy('id')
    .first('totp_secret_enc')) as { totp_secret_enc: string } | undefined;
  if (sealed) {
    try {
      openSecret(sealed.totp_secret_enc, key);
    } catch {
      throw new SecretKeyMismatchError(
        `Start-up refused: ${keySource} cannot open the two-factor secrets already in this database, ` +
          'so it is not the key they were made with. Start with that key again; see docs/administration.md.',
      );
    }
  }
  const inserted = await knex('secret_key_fingerprints')
    .insert({ id: true, fingerprint: mine, recorded_at: clock.now() })
    .onConflict('id')
    .ignore()
    .returning('id');
  if (inserted.length) return 'recorded';
  // Another instance recorded first: check against what it wrote.
  return checkSecretKeyFingerprint(knex, key, clock, keySource);
}
