# syntax=docker/dockerfile:1
#
# Recommendation Tracker: a production image.
#
#   docker build -t recommendation-tracker .
#   docker run --rm -p 3000:3000 -v tracker-data:/app/data --stop-timeout 20 recommendation-tracker
#
# Without DATABASE_URL the app runs its embedded PostgreSQL (PGlite) with its files in /app/data,
# a volume. With DATABASE_URL (see docker-compose.yml) it uses that server and /app/data stays empty.
# Settings are the environment variables in src/config.ts (README.md lists them).

# Node.js 24, the current LTS (package.json engines also accepts 20.19+ and 22.12+). Another major,
# e.g. --build-arg NODE_IMAGE=node:22-bookworm-slim, changes both stages.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: install everything, compile TypeScript and the CSS, then drop the dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# The lockfile alone first, so the dependency layer is reused until package*.json change.
# --ignore-scripts: no dependency needs its install script here (esbuild and sass ship prebuilt
# binaries as optional packages), and skipping them keeps third-party code from running at install.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund

# tsc -p tsconfig.build.json -> dist/{src,migrations,seeds} (rootDir is "."), and
# scripts/build-assets.ts -> public/build/app.css. Then keep only the runtime dependencies: tsx,
# typescript, sass and the rest are devDependencies, so none of them reaches the runtime stage.
COPY . .
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime: only what the compiled app reads, run as the unprivileged `node` user ----
FROM ${NODE_IMAGE} AS runtime

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data

WORKDIR /app

# No package manager at run time: the app is started by node and installs nothing. Operator commands
# run the compiled CLIs, e.g. `docker compose exec app node dist/src/cli/audit-verify.js`.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn-* \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg

# Owned by root and read-only to the app: at run time it writes only to DATA_DIR.
# PROJECT_ROOT (src/shared/project-root.ts) is the folder holding package.json, i.e. /app, from
# which the app reads views/, public/ and node_modules/govuk-frontend/.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/views ./views
COPY --from=build /app/public ./public
# Data read at run time from its source location (tsc copies only .ts output).
COPY --from=build /app/src/modules/accounts/common-passwords.txt ./src/modules/accounts/common-passwords.txt

# The embedded database's folder. It must exist, owned by `node`, before VOLUME so that a new
# named volume is initialised with that owner.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]

USER node
EXPOSE 3000

# Liveness via node itself (the slim image has no curl or wget). Checks 127.0.0.1, which HOST=0.0.0.0
# covers; the start period allows for the first start creating the embedded database (~10-15 s).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Exec form: node is PID 1 and gets SIGTERM itself; src/server.ts then stops gracefully (in-flight
# requests finish, then the pool or the embedded database closes) within SHUTDOWN_TIMEOUT_MS
# (default 10 s). Give `docker stop` more than that (--stop-timeout / stop_grace_period).
CMD ["node", "dist/src/server.js"]
