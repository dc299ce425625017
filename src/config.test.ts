import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from './config';
import { DEFAULT_SUPPORT_SERVICES } from './modules/public-record/support-services';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('never echoes a malformed SECRET_KEY, only its length', () => {
    const secret = 'hunter2-but-not-base64-and-far-too-short';
    let message = '';
    try {
      loadConfig({ SECRET_KEY: secret });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('SECRET_KEY must be 32 random bytes in base64');
    expect(message).toContain(`${secret.length} characters, not shown`);
    expect(message).not.toContain('hunter2');
  });

  it('hides the password of a malformed DATABASE_MIGRATION_URL, and needs DATABASE_URL with it', () => {
    expect(() => loadConfig({ DATABASE_MIGRATION_URL: 'mysql://owner:s3cret@db/x' })).toThrow(
      /^(?!.*s3cret).*DATABASE_MIGRATION_URL/,
    );
    expect(() => loadConfig({ DATABASE_MIGRATION_URL: 'postgres://owner:s3cret@db/x' })).toThrow(
      'DATABASE_MIGRATION_URL needs DATABASE_URL',
    );
  });

  it('with nothing set, runs on port 3000 with the embedded database in ./data', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      host: '127.0.0.1',
      port: 3000,
      publicBaseUrl: 'http://localhost:3000',
      database: { kind: 'embedded', dataDir: path.resolve('data') },
      logLevel: 'info',
      seedOnStart: true,
      trustProxy: false,
    });
    expect(config.database.kind === 'embedded' && path.isAbsolute(config.database.dataDir)).toBe(
      true,
    );
  });

  it('resolves a relative DATA_DIR to an absolute folder', () => {
    const config = loadConfig({ DATA_DIR: 'some/folder' });
    expect(config.database).toEqual({
      kind: 'embedded',
      dataDir: path.resolve('some/folder'),
    });
  });

  it('with DATABASE_URL, uses the server with the pool settings', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app@db.internal:5432/tracker',
      DATABASE_POOL_MAX: '20',
      DATABASE_CONNECT_TIMEOUT_MS: '2500',
      DATABASE_STATEMENT_TIMEOUT_MS: '9000',
    });
    expect(config.database).toEqual({
      kind: 'server',
      url: 'postgres://app@db.internal:5432/tracker',
      poolMax: 20,
      connectTimeoutMs: 2500,
      statementTimeoutMs: 9000,
    });
  });

  it('gives the server pool defaults when only DATABASE_URL is set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://app@db/tracker' });
    expect(config.database).toEqual({
      kind: 'server',
      url: 'postgresql://app@db/tracker',
      poolMax: 10,
      connectTimeoutMs: 5000,
      statementTimeoutMs: 15000,
    });
  });

  it('reads typed values: port, booleans and the number of trusted proxies', () => {
    const config = loadConfig({
      PORT: '8080',
      SEED_ON_START: 'false',
      TRUST_PROXY: '2',
      LOG_LEVEL: 'warn',
    });
    expect(config).toMatchObject({
      port: 8080,
      publicBaseUrl: 'http://localhost:8080',
      seedOnStart: false,
      trustProxy: 2,
      logLevel: 'warn',
    });
  });

  it('removes trailing slashes from PUBLIC_BASE_URL', () => {
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://tracker.example.org/' }).publicBaseUrl).toBe(
      'https://tracker.example.org',
    );
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://example.org/tracker//' }).publicBaseUrl).toBe(
      'https://example.org/tracker',
    );
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({
      port: 3000,
      database: { kind: 'embedded' },
    });
  });

  describe('refuses a bad value with one line naming the variable, what it expects and the value given', () => {
    it.each([
      ['PORT', 'abc', /integer from 0 to 65535/],
      ['PORT', '70000', /integer from 0 to 65535/],
      ['LOG_LEVEL', 'loud', /fatal, error, warn, info, debug, trace, silent/],
      ['DATABASE_URL', 'mysql://root@localhost/tracker', /postgres:\/\/ connection URL/],
      ['PUBLIC_BASE_URL', 'ftp://x', /absolute http\(s\) URL/],
      ['SEED_ON_START', 'maybe', /true or false/],
      ['TRUST_PROXY', 'yes', /false, or the number/],
      ['ACCESSIBILITY_COMPLIANCE', 'mostly', /fully, partially or not/],
      ['ACCESSIBILITY_PREPARED_ON', '2026-02-30', /a real date written YYYY-MM-DD/],
      ['ACCESSIBILITY_REVIEWED_ON', '3 March 2026', /a real date written YYYY-MM-DD/],
      ['OPERATOR_EMAIL', 'accessibility at example.org', /an email address/],
      ['OPERATOR_PHONE', 'call us', /a phone number of digits and spaces/],
    ])('%s=%s', (name, value, expects) => {
      const err = configError({ [name]: value });
      expect(err.message).not.toContain('\n');
      expect(err.message).toMatch(new RegExp(`^Configuration error: ${name} must be `));
      expect(err.message).toMatch(expects);
      expect(err.message).toContain(`(got "${value}")`);
    });
  });

  it('never repeats a database password when DATABASE_URL is refused', () => {
    const err = configError({ DATABASE_URL: 'mysql://admin:s3cret@db.example.org/tracker' });
    expect(err.message).not.toContain('s3cret');
    expect(err.message).toContain('(got "mysql://admin:***@db.example.org/tracker")');
  });

  it('reads the accessibility statement’s settings, partially compliant and with no operator by default', () => {
    expect(loadConfig({}).accessibilityStatement).toEqual({
      compliance: 'partially',
      preparedOn: null,
      reviewedOn: null,
      operator: { name: null, email: null, phone: null, postalAddress: null },
    });
    expect(
      loadConfig({
        ACCESSIBILITY_COMPLIANCE: 'fully',
        ACCESSIBILITY_PREPARED_ON: '2027-01-15',
        ACCESSIBILITY_REVIEWED_ON: '2027-01-15',
        OPERATOR_NAME: 'Example Office',
        OPERATOR_EMAIL: 'access@example.org',
        OPERATOR_PHONE: '+44 114 496 0000',
        OPERATOR_POSTAL_ADDRESS: '1 High Street, Rotherham, S60 1AA',
      }).accessibilityStatement,
    ).toEqual({
      compliance: 'fully',
      preparedOn: '2027-01-15',
      reviewedOn: '2027-01-15',
      operator: {
        name: 'Example Office',
        email: 'access@example.org',
        phone: '+44 114 496 0000',
        postalAddress: '1 High Street, Rotherham, S60 1AA',
      },
    });
    expect(
      configError({
        ACCESSIBILITY_PREPARED_ON: '2027-01-15',
        ACCESSIBILITY_REVIEWED_ON: '2026-12-31',
      }).message,
    ).toBe(
      'Configuration error: ACCESSIBILITY_REVIEWED_ON (2026-12-31) must not be before ACCESSIBILITY_PREPARED_ON (2027-01-15).',
    );
  });

  it('knows whether PUBLIC_BASE_URL was set', () => {
    expect(loadConfig({}).publicBaseUrlConfigured).toBe(false);
    expect(
      loadConfig({ PUBLIC_BASE_URL: 'https://tracker.example.org' }).publicBaseUrlConfigured,
    ).toBe(true);
  });

  describe('the support services file (SUPPORT_SERVICES_FILE)', () => {
    let dir: string;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'support-services-'));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, content: string) => {
      const at = path.join(dir, name);
      fs.writeFileSync(at, content);
      return at;
    };

    it('is optional: without it, the national services for England and Wales', () => {
      const services = loadConfig({}).supportServices;
      expect(services).toBe(DEFAULT_SUPPORT_SERVICES);
      expect(services.map((s) => [s.name.split(' ')[0], s.phone])).toEqual([
        ['NAPAC', '0808 801 0331'],
        ['Rape', '0808 500 2222'],
        ['Childline', '0800 1111'],
        ['NSPCC', '0808 800 5000'],
        ['Victim', '08 08 16 89 111'],
        ['Samaritans', '116 123'],
      ]);
    });

    it('reads examples/support-services.json, a copy of the defaults for operators to edit', () => {
      const example = path.resolve(__dirname, '../examples/support-services.json');
      expect(loadConfig({ SUPPORT_SERVICES_FILE: example }).supportServices).toEqual(
        DEFAULT_SUPPORT_SERVICES,
      );
    });

    it('replaces the defaults with the services it lists', () => {
      const at = file(
        'good.json',
        JSON.stringify({
          services: [
            {
              name: 'Local Survivors Service',
              description: 'Support in South Yorkshire.',
              phone: '0114 496 0000',
            },
            { name: 'Online only', description: 'A chat service.', website: 'https://example.org' },
          ],
        }),
      );
      expect(loadConfig({ SUPPORT_SERVICES_FILE: at }).supportServices).toEqual([
        {
          name: 'Local Survivors Service',
          description: 'Support in South Yorkshire.',
          phone: '0114 496 0000',
        },
        { name: 'Online only', description: 'A chat service.', website: 'https://example.org' },
      ]);
    });

    it.each([
      ['missing.json', null, /could not be read \(ENOENT\)/],
      ['broken.json', '{"services": [', /is not JSON/],
      ['empty.json', '{"services": []}', /\/services must be a list of 1 to 20 services/],
      [
        'phone.json',
        '{"services": [{"name": "A", "description": "B", "phone": "call us"}]}',
        /\/services\/0\/phone must be a phone number of digits and spaces/,
      ],
      [
        'http.json',
        '{"services": [{"name": "A", "description": "B", "website": "http://example.org"}]}',
        /\/services\/0\/website must be an https:\/\/ address/,
      ],
      [
        'extra.json',
        '{"services": [{"name": "A", "description": "B", "phone": "116 123", "email": "a@b.c"}]}',
        /\/services\/0 has no setting "email"/,
      ],
      [
        'no-name.json',
        '{"services": [{"description": "B", "phone": "116 123"}]}',
        /\/services\/0 needs "name"/,
      ],
      [
        'unreachable.json',
        '{"services": [{"name": "A", "description": "B"}]}',
        /\/services\/0 needs a "phone" or a "website"/,
      ],
    ])('refuses %s with one line naming the file and the problem', (name, content, expects) => {
      const at = content === null ? path.join(dir, name) : file(name, content);
      const err = configError({ SUPPORT_SERVICES_FILE: at });
      expect(err.message).not.toContain('\n');
      expect(err.message).toMatch(
        new RegExp(
          `^Configuration error: SUPPORT_SERVICES_FILE \\(${at.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)`,
        ),
      );
      expect(err.message).toMatch(expects);
    });
  });
});
