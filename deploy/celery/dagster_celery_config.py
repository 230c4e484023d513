"""Celery settings of a worker of the integration_pipelines fleet, read from the environment.

``dagster_celery.app`` (the app every worker runs) imports a module named ``dagster_celery_config``
when one is on the Python path and applies its settings; this is that module. Start a worker with
this folder on ``PYTHONPATH`` (docs/deployment.md, "Celery fleet")::

    PYTHONPATH=deploy/celery celery -A dagster_celery.app worker -Q dagster -n pull-1@%h --pool solo

Why not ``dagster-celery worker start -y worker.yaml``: that command resolves the YAML's broker (an
``env:`` entry included) and writes the URL, password and all, into a new file under
``$DAGSTER_HOME/dagster_celery/config/`` at every start. Here the URL stays in the environment.

The run side reads the same variables (``integration_pipelines/engines/celery.py``), so a run's
tasks and the workers meet on one broker; results come back through the backend (unset: the broker).
"""

from os import environ as _environ

broker_url = _environ["INTEGRATION_PIPELINES_CELERY_BROKER_URL"]  # required: a worker without a broker is a mistake
result_backend = _environ.get("INTEGRATION_PIPELINES_CELERY_BACKEND_URL", "").strip() or broker_url

# One task (one Dagster step) taken at a time: a worker never holds a step it is not running, so an
# idle worker of the fleet takes the next one (dagster-celery's own worker command passes the same).
worker_prefetch_multiplier = 1

# A step's Dagster log lines (printed by the task) at INFO in the worker's log, not Celery's default WARNING
worker_redirect_stdouts_level = "INFO"
