# syntax=docker/dockerfile:1
# One image, four roles: `gateway` (the default; `metadata` runs it again for badges and sbom),
# `badges` or `sbom` as the argument. Build it with `make image` (podman, deploy/image.py).
# gunicorn never faces clients: publish no port of these containers. Clients reach the edge
# (nginx with deploy/k8s/base/edge/, in front of the gateway), which holds slow and unfinished
# requests instead of gunicorn's threads: run them as deploy/k8s does (kubectl apply -k
# deploy/k8s/overlays/dev), or use `make run` (the edge on :8080) on one machine.
# Settings are environment variables (common/settings.py); gunicorn's are GUNICORN_*.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a virtualenv with the project and its dependencies (wheels only, no compiler) ---
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ONLY_BINARY=:all:
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml ./
COPY common ./common
COPY gateway ./gateway
COPY services ./services
COPY vulns ./vulns
COPY contents ./contents
COPY attestation ./attestation
COPY environments ./environments
COPY data/vulns ./data/vulns
# the project itself is pure Python: build it from source, everything else from wheels;
# then the embedded vulnerability database from the real records in data/vulns
# (reuse, the copyright detector, is published as a pure-Python source archive only)
RUN /opt/venv/bin/pip install --no-compile --no-binary conda-badges,reuse . \
    && /opt/venv/bin/conda-badges-vulns sync --records data/vulns --out /src/vulns.sqlite \
    && /opt/venv/bin/python -m pip uninstall --quiet --yes pip setuptools \
    && /opt/venv/bin/python -m compileall -q -f --invalidation-mode checked-hash /opt/venv/lib

# --- run: the virtualenv (without pip), the gunicorn config and the embedded channels ---
FROM ${PYTHON_IMAGE} AS run
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY deploy/gunicorn.conf.py ./deploy/gunicorn.conf.py
COPY data ./data
COPY --from=build /src/vulns.sqlite ./data/vulns.sqlite
# STATE_DIR must be writable: an emptyDir in Kubernetes (the root filesystem is read-only)
RUN install -d -o app -g app -m 0700 /var/lib/conda-badges
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8080 \
    STATE_DIR=/var/lib/conda-badges \
    GATEWAY_CHANNELS_FILE=/app/data/channels.toml \
    VULNS_DB=/app/data/vulns.sqlite
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8080'), timeout=2)"]
# gateway | badges | sbom [extra gunicorn options]; anything else is run as a command
ENTRYPOINT ["/bin/sh", "-c", "case \"$0\" in gateway) app=gateway.wsgi:app ;; badges) app=services.badges.wsgi:app ;; sbom) app=services.sbom.wsgi:app ;; *) exec \"$0\" \"$@\" ;; esac; exec gunicorn -c deploy/gunicorn.conf.py -b \"0.0.0.0:${PORT}\" --access-logfile - \"$@\" \"$app\""]
CMD ["gateway"]
