# The integration_pipelines code location: `dagster api grpc` on 0.0.0.0:4000, the image every run and
# step pod of a Kubernetes deployment runs too (docs/deployment.md, deploy/helm/values.yaml).
#   docker build -t registry.example.com/integration-pipelines:$(git rev-parse --short HEAD) .
# Exact versions come from requirements.lock; the dev extra (tests, linters, emulators) is left out.

# the base image, pinned to a Python patch release and Debian release
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /opt/integration_pipelines

# Extras installed beside the dependencies: k8s (the step executor), celery (the worker fleet), dbt-cloud
# (dbt for Snowflake, BigQuery and Redshift). Each must be pinned in requirements.lock (gcs is not yet).
ARG EXTRAS="k8s celery dbt-cloud"

# 1. The dependencies, at the lock's versions (the lock as constraints: it also pins the dev extra, which
#    stays out), then a check that every installed distribution is one the lock pins.
COPY requirements.lock pyproject.toml ./
RUN python -c "import sys, tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + [r for e in sys.argv[1:] for r in p['optional-dependencies'][e]]))" $EXTRAS \
        > /tmp/runtime-requirements.txt \
    && pip install --no-cache-dir --constraint requirements.lock --requirement /tmp/runtime-requirements.txt \
    && pip install --no-cache-dir --constraint requirements.lock setuptools wheel \
    && python -c "import re, sys; from importlib.metadata import distributions; norm = lambda n: re.sub(r'[-_.]+', '-', n).lower(); lock = {norm(n): v.strip() for n, v in (line.split('==', 1) for line in open('requirements.lock') if '==' in line and line[0].isalnum())}; bad = sorted(f'{d.name}=={d.version}' for d in distributions() if norm(d.name) != 'pip' and lock.get(norm(d.name)) != d.version); sys.exit('not pinned by requirements.lock: ' + ', '.join(bad) if bad else 0)"

# 2. The package itself, without dependencies (as `make install`), editable so that it finds dbt_project/
#    beside it; no tests, benchmarks or sandbox (.dockerignore): production never imports the sandbox.
COPY README.md ./
COPY integration_pipelines ./integration_pipelines
COPY dbt_project ./dbt_project
RUN pip install --no-cache-dir --no-deps --no-build-isolation --editable .

# 3. The dbt manifests and the spec cache beside them, one per dbt target and the export target it reads
#    (docs/dbt.md), so loading the definitions in a pod parses nothing. The owners setting is part of the
#    cache's fingerprint: pass the value the deployment runs with.
ARG DBT_TARGETS="local:duckdb snowflake:snowflake bigquery:bigquery redshift:redshift"
ARG INTEGRATION_PIPELINES_ASSET_OWNERS=""
RUN for pair in $DBT_TARGETS; do \
        python -m integration_pipelines.defs.dbt.build_specs "${pair%%:*}" "${pair#*:}" || exit 1; \
    done \
    && rm -rf dbt_project/logs

FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    INTEGRATION_PIPELINES_ENV=prod \
    DAGSTER_HOME=/opt/dagster/dagster_home
RUN groupadd --gid 10001 app \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app \
    && mkdir -p /opt/dagster/dagster_home \
    && chown 10001:10001 /opt/dagster/dagster_home
COPY --from=build /opt/venv /opt/venv
# pyproject.toml: the project root Dagster's component tree looks for ([tool.dg])
COPY --from=build /opt/integration_pipelines/pyproject.toml /opt/integration_pipelines/pyproject.toml
COPY --from=build /opt/integration_pipelines/integration_pipelines /opt/integration_pipelines/integration_pipelines
# dbt writes its run results and logs inside the project
COPY --from=build --chown=10001:10001 /opt/integration_pipelines/dbt_project /opt/integration_pipelines/dbt_project
# the Celery workers' settings module (PYTHONPATH=deploy/celery, docs/deployment.md)
COPY deploy/celery/dagster_celery_config.py /opt/integration_pipelines/deploy/celery/
WORKDIR /opt/integration_pipelines
USER 10001:10001
EXPOSE 4000
# CMD, not ENTRYPOINT: the Helm chart and the run launcher pass whole commands (`dagster api grpc ...`,
# `dagster api execute_run ...`) as the container's arguments
CMD ["dagster", "api", "grpc", "--host", "0.0.0.0", "--port", "4000", "--module-name", "integration_pipelines.definitions"]
