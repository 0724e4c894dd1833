# syntax=docker/dockerfile:1
# chat-server as a container: `chat-server instance` on port 3000.
# Build:  docker build -t chat-tui .
# Run:    docker compose up   (see docker-compose.yml and docs/deploy.md)

ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Check the types and bundle each program with the dev dependencies (scripts/bundle.mjs).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs ./scripts/
COPY src ./src
RUN npm run build

# 2. Production dependencies only.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. The runtime image: no compiler, no dev dependencies, not root.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json \
    CHAT_TRUST_PROXY=1 \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# The official Node image ships the unprivileged user `node` (uid 1000).
USER node
EXPOSE 3000
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM starts the drain: /readyz turns 503, clients are told to move, then exit 0.
# Exec form, so node receives the signal itself (compose adds tini with `init: true`).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/chat-server.js"]
CMD ["instance"]
