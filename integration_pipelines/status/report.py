"""One status report: the catalog, each integration's health and each source's history, together."""

from __future__ import annotations

from dataclasses import dataclass, field

from integration_pipelines.status.catalog import Integration
from integration_pipelines.status.health import Health
from integration_pipelines.status.history import SyncHistory


@dataclass(frozen=True)
class Row:
    integration: Integration
    health: Health
    history: SyncHistory | None = None  # sources only, when an instance was found

    @property
    def failing(self) -> bool:
        """Configured and in use, but its check failed: what makes the command exit non-zero."""
        return self.integration.configured and self.integration.enabled and self.health.status == "unhealthy"

    @property
    def quota(self) -> tuple[float | None, str]:
        """Quota remaining as the vendor reported it: live from the check, else as the last run saw it."""
        if self.health.quota_remaining is not None:
            return self.health.quota_remaining, "live"
        facts = self.history.last_run if self.history else None
        if facts is not None and facts.quota_remaining is not None:
            return facts.quota_remaining, "last run"
        return None, ""


@dataclass(frozen=True)
class Report:
    environment: str
    rows: list[Row]
    dagster_home: str = ""
    history_note: str = ""
    checked: bool = True  # False with --no-health
    secrets: list[str] = field(default_factory=list, repr=False)  # values masked in every output

    @property
    def healthy(self) -> bool:
        return not any(row.failing for row in self.rows)
