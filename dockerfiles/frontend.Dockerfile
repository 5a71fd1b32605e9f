# Frontend image: the Next.js standalone server on Node 22.
# Build context: the frontend folder (FRONTEND_DIR). Build with BuildKit:
#   npm run build -- --only frontend      (or, by hand:)
#   DOCKER_BUILDKIT=1 docker build -f dockerfiles/frontend.Dockerfile \
#     [--secret id=build_ca,src=<ca-bundle.pem>] [--build-arg NPM_REGISTRY=<url>] app/frontend
# No "# syntax=" line on purpose: the engine's built-in Dockerfile frontend is
# used, so no frontend image has to be pulled (offline and mirror-only builds).
#
# Base image: pinned by tag, overridable. Pin it by digest for reproducible builds:
#   NODE_IMAGE=node:22-alpine@sha256:<digest>   (digest: docker buildx imagetools inspect node:22-alpine,
#                                                or docker inspect --format '{{index .RepoDigests 0}}' node:22-alpine)
# The final stage runs no package manager (no apk, no apt), so alpine and Debian
# based Node 22 images both work.
ARG NODE_IMAGE=node:22-alpine
# The port the server listens on and its liveness path (the toolkit passes them from its settings
# or the app analysis).
ARG FRONTEND_PORT=3000
ARG FRONTEND_HEALTH_PATH=/api/health

# --- deps: node_modules from the lockfile only, so source edits reuse this layer.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# Optional package mirror (e.g. an internal npm proxy); empty = npm's default.
ARG NPM_REGISTRY=""
# The lockfile of whichever package manager the app uses (npm, pnpm or Yarn classic).
COPY package.json package-lock.json* pnpm-lock.yaml* yarn.lock* ./
# build_ca: an extra CA bundle for TLS-intercepting proxies. It is mounted for
# this step only and never written to a layer; NODE_EXTRA_CA_CERTS adds it to
# Node's own roots. The cache mounts keep downloads across lockfile changes.
# pnpm (the version package.json's packageManager names) and Yarn classic, when
# the image has no yarn, are installed with npm first, from the same registry.
RUN --mount=type=secret,id=build_ca \
    --mount=type=cache,id=todo-npm-cache,target=/root/.npm,sharing=locked \
    --mount=type=cache,id=todo-pnpm-store,target=/root/.local/share/pnpm/store,sharing=locked \
    set -e; \
    if [ -s /run/secrets/build_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build_ca; fi; \
    if [ -n "$NPM_REGISTRY" ]; then export npm_config_registry="$NPM_REGISTRY"; fi; \
    if [ -f package-lock.json ]; then \
      npm ci --no-audit --no-fund --loglevel=warn; \
    elif [ -f pnpm-lock.yaml ]; then \
      pm="$(node -p "((require('./package.json').packageManager || '').match(/^pnpm@[^+]+/) || ['pnpm@9'])[0]")"; \
      npm install --global --no-audit --no-fund --loglevel=warn "$pm"; \
      pnpm install --frozen-lockfile; \
    elif [ -f yarn.lock ]; then \
      command -v yarn >/dev/null || npm install --global --no-audit --no-fund --loglevel=warn yarn@1; \
      yarn install --frozen-lockfile --non-interactive; \
    else \
      echo 'no lockfile (package-lock.json, pnpm-lock.yaml or yarn.lock): commit the one your package manager writes' >&2; exit 1; \
    fi

# --- builder: the app's own build (next build → .next/standalone + .next/static).
FROM deps AS builder
ENV NEXT_TELEMETRY_DISABLED=1 \
    NODE_ENV=production
# Values Next.js bakes into the build, as `NAME=value NAME2=value` (no spaces in a value): the
# backend URL next.config's rewrites() read (the in-cluster Service) and NEXT_PUBLIC_* (the URL a
# browser reaches). Exported for `next build` only; they are part of the image's content tag.
ARG NEXT_BUILD_ENV=""
COPY . .
# After the build, the standalone folder is made self-contained: static files
# and public/ go next to server.js (where the server looks for them; copied even
# if the app's own postbuild did it already), and .next/cache points into /tmp
# (Next writes e.g. optimized images there), so a read-only root filesystem with
# a writable /tmp is enough. sharp's WebAssembly fallback (~9 MB) goes when its
# native Linux build is there, since sharp only falls back to it when that one is
# missing. The cache mount keeps Next's build cache (Turbopack's
# persistent cache) between builds, so a one-line change recompiles little; it
# never reaches a layer.
RUN --mount=type=secret,id=build_ca \
    --mount=type=cache,id=todo-next-build-cache,target=/app/.next/cache,sharing=locked \
    set -e; \
    if [ -s /run/secrets/build_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/build_ca; fi; \
    set -f; for pair in $NEXT_BUILD_ENV; do export "$pair"; done; set +f; \
    npm run build; \
    if [ ! -f .next/standalone/server.js ]; then echo 'no .next/standalone/server.js: set output: "standalone" in next.config' >&2; exit 1; fi; \
    rm -rf .next/standalone/.next/static .next/standalone/public .next/standalone/.next/cache; \
    cp -R .next/static .next/standalone/.next/static; \
    if [ -d public ]; then cp -R public .next/standalone/public; fi; \
    ln -s /tmp .next/standalone/.next/cache; \
    for native in .next/standalone/node_modules/@img/sharp-linux*; do \
      if [ -d "$native" ]; then rm -rf .next/standalone/node_modules/@img/sharp-wasm32; break; fi; \
    done

# --- runner: only the standalone server, its static files and public/.
FROM ${NODE_IMAGE} AS runner
ARG FRONTEND_PORT
ARG FRONTEND_HEALTH_PATH
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=${FRONTEND_PORT} \
    HOSTNAME=0.0.0.0 \
    HEALTH_PATH=${FRONTEND_HEALTH_PATH}
# The app user (uid 1001) is written straight into passwd/group: no adduser or
# useradd, which differ between alpine and Debian.
RUN grep -q '^[^:]*:[^:]*:1001:' /etc/passwd || echo 'nextjs:x:1001:1001:Next.js:/app:/sbin/nologin' >> /etc/passwd; \
    grep -q '^[^:]*:[^:]*:1001:' /etc/group || echo 'nextjs:x:1001:' >> /etc/group
# Files stay owned by root: the app cannot rewrite its own code.
COPY --from=builder /app/.next/standalone ./
USER 1001:1001
EXPOSE ${FRONTEND_PORT}
# node itself checks the liveness path: the image needs no curl or wget.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+(process.env.HEALTH_PATH||'/api/health'),{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "server.js"]
