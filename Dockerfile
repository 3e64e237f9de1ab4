# syntax=docker/dockerfile:1
# ecs-discovery-controller: runs as a long-lived Fargate task (see manifests/).
# Build: docker build -t ecs-discovery-controller .

ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: dev dependencies, TypeScript compile ---
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY controller ./controller
COPY sandbox ./sandbox
COPY crds ./crds
RUN npm run build

# --- production dependencies only ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime: compiled JavaScript, production dependencies, non-root, read-only root filesystem ---
FROM ${NODE_IMAGE} AS runtime
# git: the git+https / git+ssh policy sources shell out to it; tini: PID 1 that forwards SIGTERM.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
# A small young generation keeps peak memory near the live inventory (bench/plan.ts: 10,000 services read in
# about 230 MiB with these flags, 400 MiB without); raise max-old-space-size with the task memory for larger fleets.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=8 --max-old-space-size=384" \
    HOME=/var/cache/ecs-discovery-controller \
    CACHE_DIR=/var/cache/ecs-discovery-controller \
    METRICS_ADDR=:9464
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY crds ./crds
# The only writable path (git cache, HOME for git/ssh); mount a volume there with a read-only root filesystem.
RUN mkdir -p /var/cache/ecs-discovery-controller && chown node:node /var/cache/ecs-discovery-controller
VOLUME ["/var/cache/ecs-discovery-controller"]
USER node
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/controller/cli/main.js", "run"]
