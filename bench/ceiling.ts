/**
 * The benchmark's ceiling: a bare Express 5 app that renders one trivial page through
 * express-handlebars with the engine settings src/app.ts uses (extname .hbs, a default layout from a
 * layouts folder, a partials folder, view cache in production), and nothing else: no middleware, no
 * database. What the tracker's pages reach as a fraction of this is what bench/run.ts reports.
 *
 * Started by bench/run.ts as its own process (HOST, PORT, NODE_ENV from the environment), so the
 * load generator never shares its event loop. It answers GET / and stops on SIGTERM or SIGINT.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { engine } from 'express-handlebars';

const LAYOUT = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{{pageTitle}}</title>
</head>
<body>
  {{{body}}}
</body>
</html>
`;

const PAGE = `<h1>{{pageTitle}}</h1>
<p>{{text}}</p>
`;

// The templates live in a throwaway folder so that the ceiling reads real files exactly as the app
// does (first render from disk, then from the view cache) without adding views to the project.
function writeViews(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ceiling-'));
  fs.mkdirSync(path.join(dir, 'layouts'));
  fs.mkdirSync(path.join(dir, 'partials'));
  fs.writeFileSync(path.join(dir, 'layouts', 'main.hbs'), LAYOUT);
  fs.writeFileSync(path.join(dir, 'page.hbs'), PAGE);
  return dir;
}

function main(): void {
  const host = process.env.HOST ?? '127.0.0.1';
  const port = Number(process.env.PORT ?? '3000');
  const views = writeViews();
  const removeViews = () => fs.rmSync(views, { recursive: true, force: true });

  const app = express();
  app.engine(
    'hbs',
    engine({
      extname: '.hbs',
      defaultLayout: 'main',
      layoutsDir: path.join(views, 'layouts'),
      partialsDir: path.join(views, 'partials'),
    }),
  );
  app.set('view engine', 'hbs');
  app.set('views', views);
  if (process.env.NODE_ENV === 'production') app.enable('view cache');

  app.get('/', (_req, res) => {
    res.render('page', {
      pageTitle: 'Ceiling',
      text: 'A trivial page: the fastest any rendered page in this stack can be.',
    });
  });

  const server = app.listen(port, host);
  server.once('error', (err) => {
    removeViews();
    process.stderr.write(`ceiling: cannot listen on ${host}:${port}: ${err.message}\n`);
    process.exit(1);
  });

  const stop = () => {
    server.close(() => {
      removeViews();
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
