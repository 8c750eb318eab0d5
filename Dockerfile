# The dashboard on the bundled sample, served by gunicorn on port 8050, in demo sign-in mode.
# For a council's own data, mount a warehouse and set SEND_WAREHOUSE to its path; for real people set
# SEND_PRODUCTION=true, SEND_SECRET_KEY and real sign-in (SEND_AUTH=oidc and the SEND_OIDC_* settings): the app
# refuses to start otherwise (README, "Sign-in and roles").
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
# The audit log (SEND_AUDIT_LOG): keep it beyond the container's life
VOLUME /app/data/audit
USER dashboard

EXPOSE 8050
ENV HOST=0.0.0.0 PORT=8050
CMD ["gunicorn", "--config", "scripts/gunicorn.conf.py", "app:server"]
