/**
 * Signed-in pages kept per data version (ADR 0012): a dashboard or the board pack shows the same
 * body to everyone allowed to see it, but its layout carries the visitor's own header (and the
 * sign-out form's CSRF token). So the body is rendered once per key, without the layout, and kept in
 * the version memo; each request renders only the layout around it.
 *
 * Callers check permission before calling, and the key must carry everything the body depends on:
 * the URL (filters, pages, dates) and the role. Bodies must not contain a CSRF token or anything
 * else that belongs to one visitor.
 */
import type { Request, Response } from 'express';
import type { DataVersionScope } from '../../db/data-version';
import type { VersionMemo } from './version-memo';

interface KeptBody {
  /** The body's HTML, encoded once. */
  bytes: Buffer;
  layout: Record<string, unknown>;
}

/** Where the body goes in the rendered layout (split there, so the body is never copied into it). */
const BODY_MARK = '<!--kept-body:2c4f9d-->';

export async function renderKeptBody(
  req: Request,
  res: Response,
  memo: VersionMemo | undefined,
  scope: DataVersionScope,
  day: string,
  build: () => Promise<{ view: string; locals: Record<string, unknown> }>,
): Promise<void> {
  const render = async (): Promise<KeptBody> => {
    const { view, locals } = await build();
    const html = await new Promise<string>((resolve, reject) =>
      res.app.render(
        view,
        { ...locals, layout: false, cache: res.app.enabled('view cache') },
        (err, out) => (err ? reject(err) : resolve(out)),
      ),
    );
    const { pageTitle, breadcrumbs } = locals;
    return { bytes: Buffer.from(html), layout: { pageTitle, breadcrumbs } };
  };
  const key = `body|${day}|${req.user?.role ?? 'none'}|${req.originalUrl}`;
  const kept = memo ? await memo.get(scope, key, render) : await render();
  // Only the layout (this visitor's header and sign-out token) is rendered per request; the kept
  // bytes go between its two halves as they are.
  const page = await new Promise<string>((resolve, reject) =>
    res.render('shared/kept-body', { ...kept.layout, keptBody: BODY_MARK }, (err, out) =>
      err ? reject(err) : resolve(out),
    ),
  );
  const at = page.indexOf(BODY_MARK);
  const head = Buffer.from(page.slice(0, at));
  const tail = Buffer.from(page.slice(at + BODY_MARK.length));
  // Written in three parts, never joined: a board pack is megabytes, and joining (or `res.send`,
  // which would also hash it for an ETag nobody can use on a per-visitor page) copies all of it.
  res.type('html').set('Content-Length', String(head.length + kept.bytes.length + tail.length));
  res.write(head);
  res.write(kept.bytes);
  res.end(tail);
}

/**
 * Wraps a page handler that ends in `res.render(view, locals)` so that its body is kept per data
 * version (see renderKeptBody). `allowed` runs first on every request (the permission check), since
 * a kept body skips the handler. The handler must not answer in any other way on success (errors
 * it throws are answered as usual and nothing is kept).
 */
export function keptPage(
  memo: VersionMemo | undefined,
  scope: DataVersionScope,
  today: () => string,
  allowed: (req: Request) => void,
  handler: (req: Request, res: Response) => Promise<unknown>,
): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    allowed(req);
    await renderKeptBody(
      req,
      res,
      memo,
      scope,
      today(),
      () =>
        new Promise((resolve, reject) => {
          const capture = Object.create(res) as Response;
          capture.render = ((view: string, locals?: Record<string, unknown>) => {
            resolve({ view, locals: locals ?? {} });
          }) as Response['render'];
          handler(req, capture).catch(reject);
        }),
    );
  };
}
