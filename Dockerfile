# The bot in a container:
#   docker build -t claude-slack . && docker run --env-file .env claude-slack
# runs `python -m bot` in the mode its settings choose (Socket Mode, HTTP, or HTTP with Slack's
# OAuth install). The project is installed with uv from the committed uv.lock, without the
# development dependencies; the image runs as a non-root user.

FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv \
        ca-certificates && rm -rf /var/lib/apt/lists/*
# uv from PyPI; the system's certificate store (which a proxy's CA may have joined) for HTTPS.
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    UV_NATIVE_TLS=1 UV_PYTHON_DOWNLOADS=never UV_PYTHON=/usr/bin/python3 UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv
RUN python3 -m venv /opt/uv && /opt/uv/bin/pip install --no-cache-dir --quiet uv
WORKDIR /src
COPY pyproject.toml uv.lock ./
RUN /opt/uv/bin/uv sync --frozen --no-dev --no-install-project
COPY README.md ./
COPY bot ./bot
RUN /opt/uv/bin/uv sync --frozen --no-dev --no-editable

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends python3 ca-certificates \
        && rm -rf /var/lib/apt/lists/* \
        && useradd --create-home --uid 10001 bot
COPY --from=build /app/.venv /app/.venv
# The working directory holds what the bot finds there: .env, policy.toml, usage.sqlite3.
WORKDIR /home/bot
USER bot
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1 PORT=3000 METRICS_PORT=9090
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD ["python", "-m", "bot.health"]
CMD ["python", "-m", "bot"]
