/** pino-http: one log line per request with a request id, which is also sent back as X-Request-Id. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../../logger';

const INCOMING_ID = /^[A-Za-z0-9._-]{8,64}$/;

export function requestLogging(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers['x-request-id'];
      // Accept a proxy's id only when it looks like one; never echo arbitrary text into headers and logs.
      const id =
        typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    autoLogging: {
      ignore: (req) => req.url === '/healthz' || (req.url ?? '').startsWith('/assets/'),
    },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        // One-time link tokens in the path are secrets: never write them to the log.
        url: req.url.replace(/^(\/(?:setup|invitations|reset-password)\/)[^/?#]+/, '$1[redacted]'),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
