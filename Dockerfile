# User-code image: the platform's Python code, the locked dependencies and a prepared dbt
# manifest. Used by Dagster's run launchers (Kubernetes or Docker) and gRPC code servers.
# Build: docker build -t dataflow-user-code .
FROM python:3.11-slim-bookworm AS build

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    DO_NOT_TRACK=1

RUN pip install --no-cache-dir uv
WORKDIR /app

# Dependencies first, from the lock file only, so code changes reuse this layer.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

COPY dataflow_assets ./dataflow_assets
COPY ml_assets ./ml_assets
COPY dbt_project ./dbt_project
COPY workspace.yaml dagster.yaml ./
RUN uv sync --frozen --no-dev \
    # Definitions load this manifest; dbt is never parsed when the code server starts.
    && /opt/venv/bin/dbt parse --project-dir dbt_project --profiles-dir dbt_project --quiet

FROM python:3.11-slim-bookworm

ENV PATH=/opt/venv/bin:$PATH \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    DO_NOT_TRACK=1 \
    DATAFLOW_HOME=/var/lib/dataflow \
    DAGSTER_HOME=/var/lib/dataflow/dagster

RUN groupadd --system dataflow && useradd --system --gid dataflow --home /app dataflow \
    && mkdir -p /var/lib/dataflow/dagster && chown -R dataflow:dataflow /var/lib/dataflow
COPY --from=build --chown=dataflow:dataflow /opt/venv /opt/venv
COPY --from=build --chown=dataflow:dataflow /app /app
WORKDIR /app
USER dataflow

EXPOSE 4000
# A gRPC code server for the "dataflow" code location; the webserver and daemon connect to it.
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "dataflow_assets.definitions"]
