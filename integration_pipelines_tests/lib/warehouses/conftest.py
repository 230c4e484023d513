"""The ``engine`` fixture of the exporter contract suite: one test per engine (see engines.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integration_pipelines_tests.lib.warehouses.engines import ENGINES, Engine, open_engine


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An exporter on a fresh, empty warehouse of each engine in turn, with its engine-neutral reader."""
    yield from open_engine(request.param, request)
