"""The container image: the Dockerfile parsed with dockerfile-parse, the build context, and the build.

What must hold: a pinned slim Python 3.11 base; exact versions from requirements.lock and no dev extra;
the package installed without dependencies; the dbt manifests and spec cache built into the image; a
non-root user; ``dagster api grpc`` on 0.0.0.0:4000 for the definitions module as the command; the
prod environment; no tests, benchmarks or sandbox in the context. The dbt step of the build is run on
a copy of the context, and the definitions are loaded from it without the sandbox importable. The real
``docker build`` runs only where a Docker daemon answers.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

from integration_pipelines.lib.dbt.project import DBT_TARGETS
from integration_pipelines_tests.deploy.dockercontext import ROOT, context_files, sent

DOCKERFILE = ROOT / "Dockerfile"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
LOCKED = {
    re.sub(r"[-_.]+", "-", line.split("==")[0]).lower()
    for line in (ROOT / "requirements.lock").read_text().splitlines()
    if "==" in line and line[:1].isalnum()
}


def _parser() -> DockerfileParser:
    return DockerfileParser(path=str(DOCKERFILE))


def _stages() -> list[list[dict]]:
    """The instructions of each stage, comments left out."""
    stages: list[list[dict]] = []
    for instruction in _parser().structure:
        if instruction["instruction"] == "FROM":
            stages.append([])
        if stages and instruction["instruction"] != "COMMENT":
            stages[-1].append(instruction)
    return stages


def _runs(stage: list[dict]) -> list[str]:
    return [i["value"] for i in stage if i["instruction"] == "RUN"]


def _args() -> dict[str, str]:
    """Every ARG's default."""
    found = {}
    for i in _parser().structure:
        if i["instruction"] == "ARG" and "=" in i["value"]:
            name, default = i["value"].split("=", 1)
            found[name] = shlex.split(default)[0] if default.strip() not in ('""', "") else ""
    return found


def _env(stage: list[dict]) -> dict[str, str]:
    env = {}
    for i in stage:
        if i["instruction"] == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(i["value"])))
    return env


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]).lower()


def test_the_base_is_a_pinned_slim_python_311() -> None:
    parser = _parser()
    assert parser.is_multistage
    for image in parser.parent_images:
        assert re.fullmatch(r"python:3\.11\.\d+-slim-[a-z]+", image), image


def test_the_final_stage_runs_grpc_as_a_non_root_user_in_prod() -> None:
    final = _stages()[-1]
    [user] = [i["value"] for i in final if i["instruction"] == "USER"]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0  # numeric, so runAsNonRoot can check it
    assert not [i for i in final if i["instruction"] == "ENTRYPOINT"]  # the chart passes whole commands
    assert json.loads(_parser().cmd) == [
        "dagster", "api", "grpc", "--host", "0.0.0.0", "--port", "4000",
        "--module-name", "integration_pipelines.definitions",
    ]  # fmt: skip
    env = _env(final)
    assert env["INTEGRATION_PIPELINES_ENV"] == "prod"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert "4000" in [i["value"] for i in final if i["instruction"] == "EXPOSE"]


def test_dependencies_come_from_the_lock_without_the_dev_extra() -> None:
    build = _stages()[0]
    copies = " ".join(i["value"] for i in build if i["instruction"] == "COPY")
    assert "requirements.lock" in copies
    installs = [cmd for run in _runs(build) for cmd in run.split("&&") if "pip install" in cmd]
    assert installs
    for cmd in installs:
        assert "--no-cache-dir" in cmd, cmd
        assert "dev" not in cmd and "pytest" not in cmd, cmd
    first = installs[0]
    assert "--constraint requirements.lock" in first
    package = [cmd for cmd in installs if cmd.rstrip().endswith(" .")]
    assert len(package) == 1 and "--no-deps" in package[0]
    extras = _args()["EXTRAS"].split()
    assert "dev" not in extras and set(extras) <= set(PYPROJECT["optional-dependencies"])


def test_every_runtime_requirement_is_pinned_by_the_lock() -> None:
    """The build refuses an unpinned distribution; check here that none of the direct ones is."""
    extras = _args()["EXTRAS"].split()
    direct = PYPROJECT["dependencies"] + [r for e in extras for r in PYPROJECT["optional-dependencies"][e]]
    assert {_name(r) for r in direct} - LOCKED == set()


def test_the_builds_requirement_list_is_what_pyproject_asks(tmp_path: Path) -> None:
    """Tried: the Dockerfile's own command that lists the requirements, run on the real pyproject.toml.
    Must hold: the dependencies and the chosen extras, nothing of the dev extra."""
    [run] = [r for r in _runs(_stages()[0]) if "tomllib" in r]
    command = run.split(">", 1)[0].replace("$EXTRAS", _args()["EXTRAS"])
    argv = shlex.split(command)
    assert argv[:2] == ["python", "-c"]
    done = subprocess.run([sys.executable, *argv[1:]], cwd=ROOT, capture_output=True, text=True, check=True)
    listed = {_name(r) for r in done.stdout.split()}
    assert {"dagster", "dagster-k8s", "dagster-postgres", "dbt-snowflake"} <= listed
    extras = PYPROJECT["optional-dependencies"]
    chosen = PYPROJECT["dependencies"] + [r for e in _args()["EXTRAS"].split() for r in extras[e]]
    dev_only = {_name(r) for r in extras["dev"]} - {_name(r) for r in chosen}
    assert {"pytest", "moto", "playwright"} <= dev_only
    assert listed.isdisjoint(dev_only)


def test_the_build_prepares_dbt_for_every_target() -> None:
    pairs = dict(pair.split(":") for pair in _args()["DBT_TARGETS"].split())
    assert pairs == {dbt_target: export for export, dbt_target in DBT_TARGETS.items()}
    [run] = [r for r in _runs(_stages()[0]) if "build_specs" in r]
    assert "python -m integration_pipelines.defs.dbt.build_specs" in run


def test_the_context_holds_the_package_and_no_tests_benchmarks_or_sandbox() -> None:
    files = context_files()
    assert {"pyproject.toml", "requirements.lock", "README.md", "integration_pipelines/definitions.py"} <= set(files)
    assert {"dbt_project/dbt_project.yml", "deploy/celery/dagster_celery_config.py"} <= set(files)
    assert not [f for f in files if f.startswith("deploy/") and f != "deploy/celery/dagster_celery_config.py"]
    for left_out in ("integration_pipelines_tests/", "benchmarks/", "vendor_sandbox/", "dbt_project/target/", ".venv"):
        assert not [f for f in files if f.startswith(left_out)], left_out
    assert not sent("integration_pipelines/lib/text/sentiment/data/README.md")
    assert sent("integration_pipelines/lib/text/sentiment/artifacts/arabic_sentiment.npz")
    assert not sent("integration_pipelines/__pycache__/definitions.cpython-311.pyc")


PROBE = """
import importlib.abc, json, sys
class NoSandbox(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "vendor_sandbox" or name.startswith("vendor_sandbox."):
            raise ImportError("the image has no vendor_sandbox")
sys.meta_path.insert(0, NoSandbox())
import integration_pipelines, integration_pipelines.definitions as d
graph = d.defs().resolve_asset_graph()
print(json.dumps({
    "package": integration_pipelines.__file__,
    "marts": sorted("/".join(k.path) for k in graph.get_all_asset_keys() if k.path[0] == "marts"),
    "imported": [m for m in ("vendor_sandbox", "dagster_dbt", "dbt") if m in sys.modules],
}))
"""


@pytest.mark.slow
def test_the_image_context_builds_dbt_and_loads_in_prod_without_the_sandbox(tmp_path: Path) -> None:
    """Tried: the build context copied as .dockerignore leaves it, the Dockerfile's dbt step run in it
    (each DBT_TARGETS pair), then the definitions loaded from it in prod, exporting to DuckDB, with the
    sandbox made unimportable. Must hold: the load uses the copy, finds the dbt marts in the spec cache
    the build wrote (no dbt imported), and never asks for the sandbox."""
    context = tmp_path / "context"
    for name in context_files():
        (context / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, context / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXPORT_", "INTEGRATION_PIPELINES_", "DBT_"))}
    env.update(DAGSTER_HOME=str(tmp_path), PYTHONDONTWRITEBYTECODE="1")
    for pair in _args()["DBT_TARGETS"].split():
        dbt_target, export_target = pair.split(":")
        built = subprocess.run(
            [sys.executable, "-m", "integration_pipelines.defs.dbt.build_specs", dbt_target, export_target],
            cwd=context, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert built.returncode == 0, built.stderr[-3000:]
        assert (context / "dbt_project" / "target" / dbt_target / f"dagster_specs.{export_target}.json").exists()
    env.update(INTEGRATION_PIPELINES_ENV="prod", EXPORT_TARGETS="duckdb", EXPORT_DUCKDB_PATH=str(tmp_path / "x.duckdb"))
    loaded = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=context, env=env, capture_output=True, text=True, timeout=600
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    result = json.loads(loaded.stdout.strip().splitlines()[-1])
    assert Path(result["package"]).is_relative_to(context)
    assert "marts/dim_customer" in result["marts"]
    assert result["imported"] == []


# Where Docker Hub is out of reach, a base image of the same Python minor release made locally (e.g. a
# debootstrapped Debian bookworm with python3, python3-venv and python-is-python3, `docker import`ed).
BASE_IMAGE_VAR = "INTEGRATION_PIPELINES_IMAGE_BASE"


def _docker_daemon() -> str | None:
    """Why the build cannot run here, or None when a Docker daemon answers."""
    docker = shutil.which("docker")
    if docker is None:
        return "no docker client on PATH"
    probe = subprocess.run([docker, "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True)
    return None if probe.returncode == 0 else f"no Docker daemon answers: {probe.stderr.strip()[:200]}"


@pytest.mark.slow
@pytest.mark.skipif(_docker_daemon() is not None, reason=f"docker build needs a daemon ({_docker_daemon()})")
def test_the_image_builds_and_serves_the_definitions() -> None:
    """Tried: `docker build` of the repository, then the image's own Python loading the definitions as the
    image's user. Must hold: the build succeeds (its pinned check included), and the load works in prod."""
    tag = "integration-pipelines:test"
    command = ["docker", "build", "-t", tag, str(ROOT)]
    if os.environ.get(BASE_IMAGE_VAR):  # a machine that cannot pull from Docker Hub brings its own base
        command[2:2] = ["--build-arg", f"PYTHON_IMAGE={os.environ[BASE_IMAGE_VAR]}"]
    build = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    assert build.returncode == 0, build.stderr[-5000:]
    user = subprocess.run(["docker", "run", "--rm", tag, "id", "-u"], capture_output=True, text=True, check=True)
    assert user.stdout.strip() == "10001"
    load = subprocess.run(
        ["docker", "run", "--rm", tag, "python", "-c",
         "import integration_pipelines.definitions as d; print(len(list(d.defs().resolve_asset_graph().asset_nodes)))"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert load.returncode == 0 and int(load.stdout.strip().splitlines()[-1]) > 0, load.stderr[-3000:]
    # the image's own command serves the code location over gRPC
    name = f"integration-pipelines-test-{os.getpid()}"
    subprocess.run(["docker", "run", "-d", "--name", name, tag], capture_output=True, text=True, check=True)
    try:
        health = None
        for _ in range(60):
            health = subprocess.run(
                ["docker", "exec", name, "dagster", "api", "grpc-health-check", "--port", "4000"],
                capture_output=True, text=True,
            )  # fmt: skip
            if health.returncode == 0:
                break
            time.sleep(1)
        assert health is not None and health.returncode == 0, (health and health.stderr[-2000:]) or "no probe ran"
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
