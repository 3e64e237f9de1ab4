# syntax=docker/dockerfile:1
# ecs-discovery-controller: runs as a long-lived Fargate task (see manifests/).
# Build: docker build -t ecs-discovery-controller .

# Pinned by digest: a tag moves, so the same Dockerfile could build a different base tomorrow. This is the
# node:24-bookworm-slim image index of Node.js 24.18.0 as recorded by several unrelated public builds; it could not
# be checked against Docker Hub from the machine that wrote it. Before a release, confirm or refresh it with
# `docker buildx imagetools inspect node:24-bookworm-slim` (or let Dependabot's docker ecosystem bump it).
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

# --- build: dev dependencies, TypeScript compile ---
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: a compromised dependency must not run code in the build. The build needs only TypeScript;
# the two packages whose scripts package.json allows (allowScripts: node, the Node 24 binary for tests, and
# esbuild, for tsx) are not used here, so no package needs its script. tsc runs on the image's own node.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY controller ./controller
COPY crds ./crds
# tsconfig.build.json leaves out the sandbox (emulator and demo): it never reaches dist/ or the image.
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

# --- production dependencies only ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime: compiled JavaScript, production dependencies, non-root, read-only root filesystem ---
FROM ${NODE_IMAGE} AS runtime
# No package manager at run time: nothing in the task can install or run a package (npm, npx, corepack, yarn).
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
# git: the git+https / git+ssh policy sources shell out to it; tini: PID 1 that forwards SIGTERM.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
# A small young generation keeps peak memory near the live inventory (bench/plan.ts: 10,000 services read in
# about 160 MiB with these flags, 340 MiB without; README, Performance); raise max-old-space-size with the task
# memory for larger fleets.
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
