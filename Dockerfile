# pgbak with the PostgreSQL 15 client tools (pg_dump, pg_dumpall, pg_restore, psql).
# For a newer server, install its client major instead (postgresql-client-17 from
# the PGDG apt repository): pg_dump must be at least as new as the server.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY lib ./lib
# npm run build runs scripts/bundle-cli.js (and its shims). scripts/check-dockerfile.js
# replays this recipe in CI (.ci/run), so a missing COPY fails there, not in docker build.
COPY scripts ./scripts
RUN npm ci --ignore-scripts && npm run build

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/pgbak
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY profiles ./profiles
RUN ln -s /opt/pgbak/bin/pgbak.js /usr/local/bin/pgbak
USER node
WORKDIR /backups
ENTRYPOINT ["pgbak"]
CMD ["--help"]
