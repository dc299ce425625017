/**
 * The app's settings: read from the environment once, at start, and checked against one schema.
 * Nothing else in the code reads process.env. A bad value stops the app with one line that names
 * the variable and what it expects (see `ConfigError`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { ajv } from './shared/validation';
import {
  DEFAULT_SUPPORT_SERVICES,
  parseSupportServices,
  type SupportService,
} from './modules/public-record/support-services';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every setting, with what it means. docs/configuration.md lists the same. */
const ENV_SCHEMA = Type.Object({
  NODE_ENV: Type.Union(
    [Type.Literal('development'), Type.Literal('production'), Type.Literal('test')],
    {
      default: 'development',
      description: 'development, production or test',
    },
  ),
  TEMPLATE_RELOAD: Type.Boolean({
    default: false,
    description:
      'true or false (true: templates are read again on every render; npm run dev sets it)',
  }),
  HOST: Type.String({
    minLength: 1,
    default: '127.0.0.1',
    description: 'the address to listen on',
  }),
  PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 3000,
    description: 'an integer from 0 to 65535',
  }),
  PUBLIC_BASE_URL: Type.Optional(
    Type.String({
      format: 'uri',
      pattern: '^https?://',
      description: 'an absolute http(s) URL such as https://tracker.example.org',
    }),
  ),
  DATABASE_URL: Type.Optional(
    Type.String({ pattern: '^postgres(ql)?://', description: 'a postgres:// connection URL' }),
  ),
  DATABASE_MIGRATION_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      description:
        'a postgres:// URL for the role that owns the schema (runs migrations); DATABASE_URL is then the app role',
    }),
  ),
  DATABASE_POOL_MAX: Type.Integer({
    minimum: 2,
    maximum: 200,
    default: 10,
    description: 'an integer from 2 to 200',
  }),
  DATABASE_CONNECT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 120000,
    default: 5000,
    description: 'milliseconds, 100 to 120000',
  }),
  DATABASE_STATEMENT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 600000,
    default: 15000,
    description: 'milliseconds, 100 to 600000',
  }),
  DATA_DIR: Type.String({
    minLength: 1,
    default: './data',
    description: 'a folder path for the embedded database',
  }),
  LOG_LEVEL: Type.Union(
    LOG_LEVELS.map((l) => Type.Literal(l)),
    { default: 'info', description: LOG_LEVELS.join(', ') },
  ),
  SEED_ON_START: Type.Boolean({ default: true, description: 'true or false' }),
  SERVICE_NAME: Type.String({
    minLength: 1,
    maxLength: 60,
    default: 'Recommendation Tracker',
    description: 'a name of 1 to 60 characters',
  }),
  TRUST_PROXY: Type.Union([Type.Literal(false), Type.Integer({ minimum: 1, maximum: 10 })], {
    default: false,
    description: 'false, or the number (1 to 10) of reverse proxies in front of the app',
  }),
  SECRET_KEY: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9+/]{43}=$',
      description: '32 random bytes in base64 (make one with: openssl rand -base64 32)',
    }),
  ),
  PASSWORD_HASH_COST: Type.Union([Type.Literal('standard'), Type.Literal('test')], {
    default: 'standard',
    description: 'standard (or test, only with NODE_ENV=test)',
  }),
  SESSION_IDLE_MINUTES: Type.Integer({
    minimum: 5,
    maximum: 120,
    default: 30,
    description: 'minutes, 5 to 120',
  }),
  SESSION_ABSOLUTE_HOURS: Type.Integer({
    minimum: 1,
    maximum: 24,
    default: 12,
    description: 'hours, 1 to 24',
  }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    maximum: 120000,
    default: 10000,
    description: 'milliseconds, 1000 to 120000',
  }),
  IMPORT_MAX_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 104857600,
    default: 5242880,
    description: 'bytes, 1024 to 104857600 (100 MB)',
  }),
  EVIDENCE_MAX_FILE_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 1073741824,
    default: 26214400,
    description: 'bytes, 1024 to 1073741824 (1 GB)',
  }),
  EVIDENCE_MAX_FILES: Type.Integer({
    minimum: 1,
    maximum: 50,
    default: 10,
    description: 'an integer from 1 to 50',
  }),
  OPEN_DATA_LICENCE: Type.String({
    minLength: 1,
    maxLength: 200,
    default: 'Open Government Licence v3.0',
    description: 'the name of the licence for the open data, 1 to 200 characters',
  }),
  OPEN_DATA_LICENCE_URL: Type.String({
    format: 'uri',
    pattern: '^https?://',
    default: 'https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/',
    description: 'an absolute http(s) URL of the licence text',
  }),
  SMTP_URL: Type.Optional(
    Type.String({
      pattern: '^smtps?://[^\\s]+$',
      description: 'an smtp:// or smtps:// URL such as smtp://user:password@mail.example.org:587',
    }),
  ),
  MAIL_FROM: Type.Optional(
    Type.String({
      minLength: 3,
      maxLength: 300,
      pattern: '@',
      description: 'the sender address, e.g. "Recommendation Tracker <tracker@example.org>"',
    }),
  ),
  NOTIFICATIONS_INTERVAL_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 86400,
    default: 300,
    description: 'seconds between scheduler runs, 0 (off) to 86400',
  }),
  REVIEW_WAITING_DAYS: Type.Integer({
    minimum: 1,
    maximum: 365,
    default: 14,
    description: 'days, 1 to 365 (a progress update waiting longer for review is flagged)',
  }),
  RESPONSE_CACHE_MAX_BYTES: Type.Integer({
    minimum: 0,
    maximum: 4294967296,
    default: 134217728,
    description:
      'bytes, 0 to 4294967296: the most memory kept for rendered public responses (0 keeps none)',
  }),
  EMAIL_MAX_ATTEMPTS: Type.Integer({
    minimum: 1,
    maximum: 20,
    default: 6,
    description: 'an integer from 1 to 20',
  }),
  SUPPORT_SERVICES_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1000,
      description: 'the path of a JSON file listing support services (see docs/configuration.md)',
    }),
  ),
  ACCESSIBILITY_COMPLIANCE: Type.Union(
    [Type.Literal('fully'), Type.Literal('partially'), Type.Literal('not')],
    {
      default: 'partially',
      description: 'fully, partially or not (compliant with WCAG 2.2 AA)',
    },
  ),
  ACCESSIBILITY_PREPARED_ON: Type.Optional(
    Type.String({ format: 'date', description: 'a real date written YYYY-MM-DD' }),
  ),
  ACCESSIBILITY_REVIEWED_ON: Type.Optional(
    Type.String({ format: 'date', description: 'a real date written YYYY-MM-DD' }),
  ),
  OPERATOR_NAME: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'the name of the organisation running the service, 1 to 200 characters',
    }),
  ),
  OPERATOR_EMAIL: Type.Optional(
    Type.String({
      format: 'email',
      maxLength: 254,
      description: 'an email address such as accessibility@example.org',
    }),
  ),
  OPERATOR_PHONE: Type.Optional(
    Type.String({
      pattern: '^\\+?[0-9][0-9 ]{4,22}[0-9]$',
      description: 'a phone number of digits and spaces, such as 0114 496 0000',
    }),
  ),
  OPERATOR_POSTAL_ADDRESS: Type.Optional(
    Type.String({
      minLength: 5,
      maxLength: 300,
      description: 'a postal address on one line, 5 to 300 characters',
    }),
  ),
});

type Env = Static<typeof ENV_SCHEMA>;

/** The names of every setting, e.g. for checking that a deployment file sets only real ones. */
export const SETTING_NAMES: readonly string[] = Object.keys(ENV_SCHEMA.properties);

export interface Config {
  env: Env['NODE_ENV'];
  /** Read templates again on every render (npm run dev); otherwise they are compiled once. */
  templateReload: boolean;
  host: string;
  port: number;
  publicBaseUrl: string;
  /** Whether PUBLIC_BASE_URL was set, so that links for other sites (Open Graph) may use it. */
  publicBaseUrlConfigured: boolean;
  database:
    | {
        kind: 'server';
        url: string;
        /** The owner role's URL, for migrations; unset: DATABASE_URL does both (ADR 0009). */
        migrationUrl?: string;
        poolMax: number;
        connectTimeoutMs: number;
        statementTimeoutMs: number;
      }
    | { kind: 'embedded'; dataDir: string };
  logLevel: Env['LOG_LEVEL'];
  seedOnStart: boolean;
  serviceName: string;
  trustProxy: false | number;
  shutdownTimeoutMs: number;
  /** 32 bytes for encrypting secrets at rest; when unset outside production, the start-up keeps one in DATA_DIR. */
  secretKey: Buffer | null;
  /** DATA_DIR, resolved: the embedded database and, outside production, a generated secret key. */
  dataDir: string;
  passwordHashCost: 'standard' | 'test';
  /** The largest import file accepted, in bytes. */
  importMaxBytes: number;
  /** Evidence uploads with progress updates: the largest file, and the most files in one update. */
  evidence: { maxFileBytes: number; maxFiles: number };
  /** The licence the open data downloads and feeds are published under. */
  openDataLicence: { name: string; url: string };
  /** The most bytes of rendered public responses kept in memory (src/shared/response-cache). */
  responseCacheMaxBytes: number;
  /** Oversight dashboards flag a progress update waiting longer than this many days for review. */
  reviewWaitingDays: number;
  /** Reminders and email (issue 8). smtpUrl null: emails wait in the outbox for an admin to read. */
  notifications: {
    smtpUrl: string | null;
    mailFrom: string;
    intervalSeconds: number;
    maxAttempts: number;
  };
  session: {
    idleMinutes: number;
    absoluteHours: number;
    cookieName: string;
    secureCookie: boolean;
  };
  /** Named beside the feedback form (SUPPORT_SERVICES_FILE, else the defaults for England and Wales). */
  supportServices: readonly SupportService[];
  /** What the accessibility statement says of the copy running: its status, dates and operator. */
  accessibilityStatement: {
    compliance: 'fully' | 'partially' | 'not';
    /** Unset: the statement shows the date its text was written for the software. */
    preparedOn: string | null;
    reviewedOn: string | null;
    operator: {
      name: string | null;
      email: string | null;
      phone: string | null;
      postalAddress: string | null;
    };
  };
}

export class ConfigError extends Error {}

const validateEnv = ajv.compile<Env>(ENV_SCHEMA);

/** Environment strings become typed values before validation, so the schema sees numbers and booleans. */
function coerce(name: string, raw: string): unknown {
  const schema = ENV_SCHEMA.properties[name as keyof Env] as {
    type?: string;
    anyOf?: { type?: string; const?: unknown }[];
  };
  const types = schema.anyOf ? schema.anyOf.map((s) => s.type ?? typeof s.const) : [schema.type];
  if (types.includes('boolean') && (raw === 'true' || raw === 'false')) return raw === 'true';
  if (types.includes('integer') && /^-?\d+$/.test(raw)) return Number(raw);
  return raw;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const env: Record<string, unknown> = {};
  for (const name of Object.keys(ENV_SCHEMA.properties)) {
    const raw = source[name];
    if (raw !== undefined && raw !== '') env[name] = coerce(name, raw.trim());
  }
  if (!validateEnv(env)) {
    const error = validateEnv.errors?.[0];
    const name = (error?.instancePath.replace(/^\//, '') ||
      String(error?.params?.missingProperty ?? '')) as keyof Env;
    const expected = (ENV_SCHEMA.properties[name] as { description?: string } | undefined)
      ?.description;
    const raw = source[name];
    // Never echo a database password into logs or a terminal.
    const shown =
      raw && (name === 'DATABASE_URL' || name === 'DATABASE_MIGRATION_URL' || name === 'SMTP_URL')
        ? raw.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@')
        : raw;
    // A secret is never echoed, not even a malformed one: only its length.
    const given =
      raw === undefined
        ? ''
        : name === 'SECRET_KEY'
          ? ` (got a value of ${raw.length} characters, not shown)`
          : ` (got ${JSON.stringify(shown)})`;
    throw new ConfigError(
      `Configuration error: ${name} must be ${expected ?? error?.message}${given}.`,
    );
  }
  if (env.NODE_ENV === 'production' && !env.SECRET_KEY) {
    throw new ConfigError(
      `Configuration error: SECRET_KEY must be set in production: ${(ENV_SCHEMA.properties.SECRET_KEY as { description?: string }).description}.`,
    );
  }
  if (env.DATABASE_MIGRATION_URL && !env.DATABASE_URL) {
    throw new ConfigError(
      'Configuration error: DATABASE_MIGRATION_URL needs DATABASE_URL as well (the app role; see docs/deployment.md).',
    );
  }
  if (env.PASSWORD_HASH_COST === 'test' && env.NODE_ENV !== 'test') {
    throw new ConfigError(
      'Configuration error: PASSWORD_HASH_COST=test is only allowed with NODE_ENV=test.',
    );
  }
  if (
    env.ACCESSIBILITY_PREPARED_ON &&
    env.ACCESSIBILITY_REVIEWED_ON &&
    env.ACCESSIBILITY_REVIEWED_ON < env.ACCESSIBILITY_PREPARED_ON
  ) {
    throw new ConfigError(
      `Configuration error: ACCESSIBILITY_REVIEWED_ON (${env.ACCESSIBILITY_REVIEWED_ON}) must not be before ACCESSIBILITY_PREPARED_ON (${env.ACCESSIBILITY_PREPARED_ON}).`,
    );
  }
  const supportServices = env.SUPPORT_SERVICES_FILE
    ? readSupportServices(env.SUPPORT_SERVICES_FILE)
    : DEFAULT_SUPPORT_SERVICES;
  const publicBaseUrl = (
    env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT === 0 ? 3000 : env.PORT}`
  ).replace(/\/+$/, '');
  const https = publicBaseUrl.startsWith('https://');
  return {
    env: env.NODE_ENV,
    templateReload: env.TEMPLATE_RELOAD,
    host: env.HOST,
    port: env.PORT,
    publicBaseUrl,
    publicBaseUrlConfigured: env.PUBLIC_BASE_URL !== undefined,
    database: env.DATABASE_URL
      ? {
          kind: 'server',
          url: env.DATABASE_URL,
          ...(env.DATABASE_MIGRATION_URL ? { migrationUrl: env.DATABASE_MIGRATION_URL } : {}),
          poolMax: env.DATABASE_POOL_MAX,
          connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
          statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
        }
      : { kind: 'embedded', dataDir: path.resolve(env.DATA_DIR) },
    logLevel: env.LOG_LEVEL,
    seedOnStart: env.SEED_ON_START,
    serviceName: env.SERVICE_NAME,
    trustProxy: env.TRUST_PROXY,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    secretKey: env.SECRET_KEY ? Buffer.from(env.SECRET_KEY, 'base64') : null,
    dataDir: path.resolve(env.DATA_DIR),
    passwordHashCost: env.PASSWORD_HASH_COST,
    importMaxBytes: env.IMPORT_MAX_BYTES,
    evidence: { maxFileBytes: env.EVIDENCE_MAX_FILE_BYTES, maxFiles: env.EVIDENCE_MAX_FILES },
    openDataLicence: { name: env.OPEN_DATA_LICENCE, url: env.OPEN_DATA_LICENCE_URL },
    reviewWaitingDays: env.REVIEW_WAITING_DAYS,
    responseCacheMaxBytes: env.RESPONSE_CACHE_MAX_BYTES,
    notifications: {
      smtpUrl: env.SMTP_URL ?? null,
      // Quoted, so a comma or colon in the service name cannot split the address.
      mailFrom:
        env.MAIL_FROM ??
        `"${env.SERVICE_NAME.replace(/["\\]/g, '')}" <no-reply@${new URL(publicBaseUrl).hostname}>`,
      intervalSeconds: env.NOTIFICATIONS_INTERVAL_SECONDS,
      maxAttempts: env.EMAIL_MAX_ATTEMPTS,
    },
    session: {
      idleMinutes: env.SESSION_IDLE_MINUTES,
      absoluteHours: env.SESSION_ABSOLUTE_HOURS,
      // Behind HTTPS the cookie is Secure with the __Host- prefix (no Domain, Path=/); over plain
      // HTTP (local use) a browser would drop a Secure cookie, so it is a plain name there.
      cookieName: https ? '__Host-tracker-session' : 'tracker-session',
      secureCookie: https,
    },
    supportServices,
    accessibilityStatement: {
      compliance: env.ACCESSIBILITY_COMPLIANCE,
      preparedOn: env.ACCESSIBILITY_PREPARED_ON ?? null,
      reviewedOn: env.ACCESSIBILITY_REVIEWED_ON ?? null,
      operator: {
        name: env.OPERATOR_NAME ?? null,
        email: env.OPERATOR_EMAIL ?? null,
        phone: env.OPERATOR_PHONE ?? null,
        postalAddress: env.OPERATOR_POSTAL_ADDRESS ?? null,
      },
    },
  };
}

/** The support services file, checked; any problem is one line naming the file and what is wrong. */
function readSupportServices(file: string): SupportService[] {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(file), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `Configuration error: SUPPORT_SERVICES_FILE (${file}) could not be read${code ? ` (${code})` : ''}.`,
    );
  }
  const parsed = parseSupportServices(text);
  if (!parsed.ok)
    throw new ConfigError(
      `Configuration error: SUPPORT_SERVICES_FILE (${file}): ${parsed.problem.replace(/\s+/g, ' ')}.`,
    );
  return parsed.services;
}
