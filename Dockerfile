# User-code image: the platform's Python code, the locked dependencies and a prepared dbt
# manifest. It runs the gRPC code server of the "dataflow" code location and, launched by Dagster
# (Docker or Kubernetes run launchers), the run workers. docs/deploy.md shows where it fits.
# Build: docker build -t dataflow-user-code .
FROM python:3.11-slim-bookworm AS build

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    DO_NOT_TRACK=1

RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app

# Dependencies first, from the lock file only, so code changes reuse this layer.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY dataflow_assets ./dataflow_assets
COPY ml_assets ./ml_assets
COPY dbt_project ./dbt_project
# The project installs editable (uv's default): settings.REPO_ROOT must stay /app, where
# dbt_project and its manifest live.
RUN uv sync --frozen --no-dev \
    # Definitions load this manifest; dbt is never parsed when the code server starts.
    && /opt/venv/bin/dbt parse --project-dir dbt_project --profiles-dir dbt_project --quiet \
    && test -s dbt_project/target/manifest.json

FROM python:3.11-slim-bookworm

# DATAFLOW_HOME is the platform's state (DuckDB warehouse, landing zone, artifacts): mount a
# volume there. DATAFLOW_ENV=production reads every resource from the environment; the
# deployment adds DATAFLOW_OPERATIONAL_DB_URL (a secret) and may override the rest.
# DAGSTER_HOME holds the production instance config (deploy/dagster.yaml, whose PostgreSQL
# credentials come from DAGSTER_PG_* at run time); the Helm chart mounts its own at that path.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    DO_NOT_TRACK=1 \
    DATAFLOW_ENV=production \
    DATAFLOW_HOME=/var/lib/dataflow \
    DATAFLOW_WAREHOUSE=/var/lib/dataflow/warehouse.duckdb \
    DATAFLOW_LANDING_DIR=/var/lib/dataflow/landing \
    DATAFLOW_WEATHER_API_URL=https://archive-api.open-meteo.com/v1/archive \
    DAGSTER_HOME=/opt/dagster/dagster_home

# A numeric user, so Kubernetes' runAsNonRoot can verify it without a runAsUser.
RUN groupadd --system --gid 10001 dataflow \
    && useradd --system --uid 10001 --gid dataflow --home-dir /app --shell /usr/sbin/nologin dataflow \
    && mkdir -p /var/lib/dataflow /opt/dagster/dagster_home \
    && chown dataflow:dataflow /var/lib/dataflow /opt/dagster/dagster_home
COPY --from=build --chown=dataflow:dataflow /opt/venv /opt/venv
# Owned by the runtime user: dagster-dbt writes each invocation's artifacts under dbt_project/target.
COPY --from=build --chown=dataflow:dataflow /app /app
COPY --chown=dataflow:dataflow deploy/dagster.yaml /opt/dagster/dagster_home/dagster.yaml
WORKDIR /app
USER 10001:10001

EXPOSE 4000
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s \
    CMD ["dagster", "api", "grpc-health-check", "-p", "4000"]
# The gRPC code server of the "dataflow" location. `dagster api grpc` loads the definitions
# before it listens, so an open port means a loaded location; the webserver and the daemon
# connect to it (deploy/workspace.yaml) and never import this code themselves.
CMD ["dagster", "api", "grpc", "-h", "0.0.0.0", "-p", "4000", "-m", "dataflow_assets.definitions"]
