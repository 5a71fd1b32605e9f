# Backend image: the FastAPI app under uvicorn on Python 3.11.
# Build context: the backend folder (BACKEND_DIR). Build with BuildKit:
#   npm run build -- --only backend      (or, by hand:)
#   DOCKER_BUILDKIT=1 docker build -f dockerfiles/backend.Dockerfile \
#     [--secret id=build_ca,src=<ca-bundle.pem>] [--build-arg PIP_INDEX_URL=<url>] app/backend
# No "# syntax=" line on purpose: the engine's built-in Dockerfile frontend is
# used, so no frontend image has to be pulled (offline and mirror-only builds).
#
# Base image: pinned by tag, overridable. Pin it by digest for reproducible builds:
#   PYTHON_IMAGE=python:3.11-slim@sha256:<digest>  (digest: docker buildx imagetools inspect python:3.11-slim,
#                                                   or docker inspect --format '{{index .RepoDigests 0}}' python:3.11-slim)
# The final stage runs no package manager (no apt, no apk), so Debian and alpine
# based Python 3.11 images both work (`python` must be on PATH).
ARG PYTHON_IMAGE=python:3.11-slim
# What the image runs (the toolkit passes BACKEND_APP, BACKEND_PORT and BACKEND_HEALTH_PATH from its
# settings or the app analysis): the ASGI entry module:attribute, the folder it is imported from
# (relative to the app folder: `src` for a src layout), the port and the liveness path.
ARG BACKEND_APP=app.main:app
ARG BACKEND_APP_DIR=.
ARG BACKEND_PORT=8000
ARG BACKEND_HEALTH_PATH=/health

# --- builder: a virtualenv with the pinned requirements; the source is not here,
# so source edits reuse this layer.
FROM ${PYTHON_IMAGE} AS builder
# Optional package index (e.g. an internal PyPI proxy); empty = pip's default.
ARG PIP_INDEX_URL=""
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
# build_ca: an extra CA bundle for TLS-intercepting proxies, mounted for this
# step only and never written to a layer. pip takes one bundle, so the extra
# one is appended to pip's own in a tmpfs that vanishes with the step.
RUN --mount=type=secret,id=build_ca \
    --mount=type=tmpfs,target=/run/build-ca \
    --mount=type=cache,id=todo-pip-cache,target=/root/.cache/pip,sharing=locked \
    set -e; \
    if [ -s /run/secrets/build_ca ]; then \
      { cat "$(/opt/venv/bin/python -c 'import pip._vendor.certifi as c; print(c.where())')" 2>/dev/null || true; cat /run/secrets/build_ca; } > /run/build-ca/bundle.pem; \
      export PIP_CERT=/run/build-ca/bundle.pem; \
    fi; \
    if [ -n "$PIP_INDEX_URL" ]; then export PIP_INDEX_URL; else unset PIP_INDEX_URL; fi; \
    /opt/venv/bin/python -m pip install --requirement /tmp/requirements.txt

# --- runtime: the virtualenv and the app source, nothing else.
FROM ${PYTHON_IMAGE} AS runtime
ARG BACKEND_APP
ARG BACKEND_APP_DIR
ARG BACKEND_PORT
ARG BACKEND_HEALTH_PATH
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATA_DIR=/data \
    PORT=${BACKEND_PORT} \
    WEB_CONCURRENCY=1 \
    APP_MODULE=${BACKEND_APP} \
    APP_DIR=${BACKEND_APP_DIR} \
    HEALTH_PATH=${BACKEND_HEALTH_PATH}
WORKDIR /app
# The app user (uid 1000) is written straight into passwd/group: no adduser or
# useradd, which differ between Debian and alpine. /data (SQLite by default) is
# the one place it writes.
RUN grep -q '^[^:]*:[^:]*:1000:' /etc/passwd || echo 'app:x:1000:1000:app:/app:/sbin/nologin' >> /etc/passwd; \
    grep -q '^[^:]*:[^:]*:1000:' /etc/group || echo 'app:x:1000:' >> /etc/group; \
    mkdir -p /data && chown 1000:1000 /data && chmod 0750 /data
COPY --from=builder /opt/venv /opt/venv
# Source files stay owned by root: the app cannot rewrite its own code.
COPY . .
USER 1000:1000
EXPOSE ${BACKEND_PORT}
# python itself checks the liveness path: the image needs no curl or wget.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os,sys,urllib.request as u; sys.exit(0 if u.urlopen('http://127.0.0.1:%s%s' % (os.environ.get('PORT', '8000'), os.environ.get('HEALTH_PATH', '/health')), timeout=4).status == 200 else 1)"]
# uvicorn started from Python, in exec form (no shell in this stage): the entry, its folder and the
# port come from the environment above (PORT may be changed at run time); WEB_CONCURRENCY workers;
# the app writes its own JSON request log, so uvicorn's access log is off.
CMD ["python", "-c", "import os,sys,uvicorn; sys.path.insert(0, os.path.abspath(os.environ.get('APP_DIR', '.'))); uvicorn.run(os.environ['APP_MODULE'], host='0.0.0.0', port=int(os.environ.get('PORT', '8000')), workers=int(os.environ.get('WEB_CONCURRENCY', '1')), access_log=False)"]
