# Multi-stage build: the SPA, the server, then a small runtime image.
FROM node:20-bookworm AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
COPY openapi/ /src/openapi/
RUN npm run build

FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release -p server

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /app app
WORKDIR /app
COPY --from=build /src/target/release/server /usr/local/bin/server
COPY --from=web /src/frontend/dist /app/frontend/dist
ENV APP__ENVIRONMENT=production \
    APP__SERVER__HOST=0.0.0.0 \
    APP__SERVER__PORT=8080 \
    APP__SERVER__STATIC_DIR=/app/frontend/dist \
    APP__DATA_DIR=/app/data \
    APP__LOG__FORMAT=json
USER app
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --retries=3 CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["server"]
CMD ["serve"]
