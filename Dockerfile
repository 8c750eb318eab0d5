# The dashboard on the bundled sample, served by gunicorn on port 8050, in demo sign-in mode.
# For a council's own data, mount the folder holding its warehouse read-only and point SEND_WAREHOUSE at the file,
# and keep the audit log on persistent, backed-up storage (README, "Deployment"):
#   docker run -p 8050:8050 -v /srv/send:/warehouse:ro -e SEND_WAREHOUSE=/warehouse/warehouse.duckdb \
#       -v /srv/send-audit:/app/data/audit IMAGE
# For real people set SEND_PRODUCTION=true, SEND_SECRET_KEY and real sign-in (SEND_AUTH=oidc and the SEND_OIDC_*
# settings): the app refuses to start otherwise (README, "Sign-in and roles").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

# Debian's Chromium prints the board pack PDF (never a browser downloaded at run time).
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# The sample's load draws its default views into the app's cache: the same folder the app reads, its own.
ENV SEND_CACHE_DIR=/app/cache
RUN python -m data sample

RUN useradd --create-home --uid 10001 dashboard && mkdir -p -m 700 /app/data/audit \
    && chown -R dashboard /app/data/sample /app/cache /app/data/audit
# The audit log (SEND_AUDIT_LOG): keep it beyond the container's life, on storage that is backed up
VOLUME /app/data/audit
USER dashboard

EXPOSE 8050
# DuckDB's spill space in the container's own /tmp, not beside the warehouse, whose mount is read-only.
ENV HOST=0.0.0.0 PORT=8050 SEND_TEMP_DIR=/tmp/send-spill
# Liveness: the process answers /healthz (the slim image has no curl; a status other than 2xx or no answer
# raises, so the check fails). Readiness, /readyz, is for the load balancer in front.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8050'), timeout=4)"]
CMD ["gunicorn", "--config", "scripts/gunicorn.conf.py", "app:server"]
