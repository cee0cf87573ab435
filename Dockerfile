# Switchyard service image, in two stages on one base image (a build argument):
#   switchyard/node-base:20 (default): made here without a registry by scripts/base-image.sh from this
#     machine's Node.js and libraries: no shell, so every step below runs node directly;
#   node:20-bookworm-slim (or any Node 20 image on Debian 12's glibc) where a registry is reachable.
# The build context is PREPARED: package*.json, the tsconfigs, src, migrations AND an installed
# node_modules (`npm ci` on a machine with the same Node ABI and glibc as the base: its native
# addons, better-sqlite3, are used as they are). Nothing is downloaded during the build: it compiles,
# then drops the development packages offline. See "Run the image" in the README.
ARG BASE_IMAGE=switchyard/node-base:20

FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json tsconfig.migrations.json nest-cli.json ./
COPY node_modules ./node_modules
COPY migrations ./migrations
COPY src ./src
# `npm run build` without a shell (the scripts' `&&` needs one): the application, then the migrations.
RUN ["node", "node_modules/@nestjs/cli/bin/nest.js", "build"]
RUN ["node", "node_modules/typescript/bin/tsc", "-p", "tsconfig.migrations.json"]
# The production dependencies, as `npm prune --omit=dev` leaves them, into /prod (offline).
COPY scripts/image-prune.mjs ./scripts/
COPY test/tools/openapi-client ./test/tools/openapi-client
RUN ["node", "scripts/image-prune.mjs", "/prod"]
# The database folder, owned by the service's user: a new named volume mounted on /data takes it.
RUN ["node", "-e", "require('node:fs').mkdirSync('/out/data', { recursive: true })"]

FROM ${BASE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 DATABASE_PATH=/data/switchyard.sqlite
# The code belongs to root: the service's user can read it, not change it.
COPY --from=build /prod/package.json ./
COPY --from=build /prod/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build --chown=10001:10001 /out/data /data
USER 10001:10001
VOLUME /data
EXPOSE 8080
# Ready means the database and the engine answer (GET /health/ready, no key needed). `node -e`: the
# base image has no shell and no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM stops it gracefully (SHUTDOWN_GRACE_MS for requests in progress): give `docker stop` a
# longer timeout than that grace (compose: stop_grace_period).
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=8", "dist/main.js"]
