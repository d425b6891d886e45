# pgbak with the PostgreSQL client tools (pg_dump, pg_dumpall, pg_restore, psql) of
# majors 14 to 18, from the PGDG apt repository (apt.postgresql.org; Debian's own has one
# major): each in /usr/lib/postgresql/<major>/bin, where pgbak finds them, so that
# `engine: auto` runs the pg_dump of each server's own major (pg_dump must be at least
# as new as the server; the same major restores most faithfully).
# Tags (docs/fleet.md, "The image"): pgbak:<version>-pg14-18 names the majors it carries;
# pgbak:<version> is the same image; pgbak:latest the newest release (pin a version).
# Node: the current LTS (26, Active LTS since October 2026; Node 20 reached its end of
# life in April 2026), the major .ci/run tests as LTS (a unit test keeps the two in step),
# on Debian 13 (trixie), the current stable, which the PGDG repository builds every major for.
FROM node:26-trixie-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY lib ./lib
# npm run build runs scripts/bundle-cli.js (and its shims). scripts/check-dockerfile.js
# replays this recipe in CI (.ci/run), so a missing COPY fails there, not in docker build.
COPY scripts ./scripts
RUN npm ci --ignore-scripts && npm run build

FROM node:26-trixie-slim
# postgresql-common ships the PGDG signing key and apt.postgresql.org.sh, which writes
# /etc/apt/sources.list.d/pgdg.sources for this Debian release and runs apt-get update
# (the setup apt.postgresql.org documents). Adding a major (19) or dropping one means a
# new tag suffix: a pinned tag never loses the major a server needs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates postgresql-common \
 && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
 && apt-get install -y --no-install-recommends postgresql-client-14 postgresql-client-15 postgresql-client-16 postgresql-client-17 postgresql-client-18 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/pgbak
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY profiles ./profiles
# bin/pgbak: the launcher that starts Node from the startup snapshot npm run build made for
# this image's node (dist/snapshot/), or runs bin/pgbak.js without one.
RUN ln -s /opt/pgbak/bin/pgbak /usr/local/bin/pgbak
USER node
WORKDIR /backups
ENTRYPOINT ["pgbak"]
CMD ["--help"]
