import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { createLogger } from '../../logger';
import { requestLogging } from './request-logging';

describe('request logs', () => {
  it('never contain one-time link tokens, cookies or authorisation headers', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = express();
    app.use(requestLogging(createLogger('info', sink)));
    app.get('/{*rest}', (_req, res) => {
      res.send('ok');
    });
    await request(app)
      .get('/setup/SECRET-SETUP-TOKEN')
      .set('Cookie', 'tracker-session=SECRET-COOKIE');
    await request(app).get('/invitations/SECRET-INVITE?x=1');
    await request(app)
      .get('/reset-password/SECRET-RESET')
      .set('Authorization', 'Bearer SECRET-BEARER');
    const log = lines.join('');
    expect(lines).toHaveLength(3);
    expect(log).not.toMatch(/SECRET/);
    expect(log).toContain('/setup/[redacted]');
    expect(log).toContain('/invitations/[redacted]?x=1');
  });
});
