"""Share of each vendor's published ceiling the connector reaches with the sandbox enforcing the limits.

The sandbox enforces each vendor's published limit (scale 1.0) in fixed windows; the connector runs
with the product's default settings (docs/settings.md), so the figure is what an operator gets out of
the box. Zendesk's export limit is 10 requests per minute: to measure it in seconds, its window is
time-scaled (``window_scale``: 60 s → 3 s by default) and the client's setting is scaled by the same
factor, so the ratio between them is the published one; its page size is cut to 200 so the pull
spans several windows (with 1,000 a page the whole pull fits in one or two windows, and a first
window's burst would dominate). Shorter windows distort the figure: the rate-limit headers count
reset in whole seconds, so a client honouring them waits up to a second per window (measured with
17,100 tickets, 100 a page: window x0.02 → 58 %, x0.05 → 96 %, x0.1 → 99 %).
HubSpot search (5/s) and Intercom (10,000/min in 10 s windows) run in real time.
Share = requests of the limited kind per second ÷ the ceiling's requests per second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from benchmarks.pipeline_side import client_only
from vendor_sandbox.process import SandboxProcess


@dataclass(frozen=True)
class Ceiling:
    """The limit that binds the pull, as the sandbox enforces it, and the product's default settings."""

    label: str
    requests: float  # per window, as published
    window_seconds: float  # as published
    settings: dict[str, Any]
    scaled: tuple[str, ...] = ()  # settings multiplied by 1 / window_scale
    counted: str | None = None  # the client's stats key counting requests of the limited kind


CEILINGS = {
    "zendesk": Ceiling(
        "incremental export, 10/min",
        10,
        60,
        {"export_requests_per_minute": 10, "requests_per_minute": 700, "per_page": 200},
        scaled=("export_requests_per_minute", "requests_per_minute"),
    ),
    "hubspot": Ceiling(
        "CRM search, 5/s",
        5,
        1,
        {"requests_per_10s": 100, "search_requests_per_second": 4},
        counted="search_requests",
    ),
    "intercom": Ceiling("API, 10,000/min (1,667 per 10 s)", 1667, 10, {"requests_per_minute": 10_000}),
}


def ceiling_share(
    sandbox: SandboxProcess, vendor: str, first: date, last: date, zendesk_window_scale: float = 0.05
) -> dict[str, Any]:
    """One paced pull against the enforced limit; requests per second as a share of the ceiling, and 429s."""
    spec = CEILINGS[vendor]
    window_scale = zendesk_window_scale if spec.scaled else 1.0
    settings = {k: v / window_scale if k in spec.scaled else v for k, v in spec.settings.items()}
    sandbox.set_rate_limits(1.0, window_scale=window_scale)
    try:
        result = client_only(vendor, sandbox.url, first, last, **settings)
    finally:
        sandbox.set_rate_limits(None)
    limited = result["stats"].get(spec.counted, 0) if spec.counted else result["client_requests"]
    ceiling_rate = spec.requests / (spec.window_seconds * window_scale)
    rate = limited / result["seconds"]
    return {
        "limit": spec.label,
        "window_scale": window_scale,
        "requests": limited,
        "seconds": result["seconds"],
        "requests_per_second": rate,
        "ceiling_per_second": ceiling_rate,
        "share": rate / ceiling_rate,
        "throttled": result["throttled"],
        "rows": result["rows"],
    }
