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
HubSpot search (5/s) and Intercom (10,000/min in 10 s windows) run in real time. Intercom's
ceiling, 167 requests/s, is more than the sandbox serves on a small machine (about 30 search pages
a second on 2 shared cores), so Intercom is measured twice: in real time (bounded by the sandbox's
CPU, not by the connector) and rate-scaled (``rate_scale``: the sandbox allows 0.1 of the published
count per window and the client's setting is scaled the same way), which asks whether the
connector's pacing and concurrency fill a limit the machine can serve (15 conversations a page
there, so the pull spans several windows and the first window's burst does not dominate).
The connector settings are the product's defaults as the vendor's ``defs.yaml`` sets them (read
through its component), so a changed default is measured without editing this file.
Share = requests of the limited kind per second ÷ the ceiling's requests per second.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from benchmarks.pipeline_side import client_only
from integration_pipelines.components.vendor_sync import vendor_components
from vendor_sandbox.process import SandboxProcess


@dataclass(frozen=True)
class Ceiling:
    """The limit that binds the pull, as the sandbox enforces it, and the product's default settings."""

    label: str
    requests: float  # per window, as published
    window_seconds: float  # as published
    settings: dict[str, Any]  # beside the product's default pacing
    scaled: tuple[str, ...] = ()  # pacing settings multiplied by rate_scale / window_scale
    counted: str | None = None  # the client's stats key counting requests of the limited kind
    when_rate_scaled: dict[str, Any] = field(default_factory=dict)  # so the scaled pull spans several windows


CEILINGS = {
    "zendesk": Ceiling(
        "incremental export, 10/min",
        10,
        60,
        {"per_page": 200},
        scaled=("export_requests_per_minute", "requests_per_minute"),
    ),
    "hubspot": Ceiling("CRM search, 5/s", 5, 1, {}, counted="search_requests"),
    "intercom": Ceiling(
        "API, 10,000/min (1,667 per 10 s)",
        1667,
        10,
        {},
        scaled=("requests_per_minute",),
        when_rate_scaled={"per_page": 15},
    ),
}


def default_pacing(vendor: str) -> dict[str, float]:
    """The rate-limit settings the product runs with when the operator sets none."""
    component = vendor_components()[vendor]
    return {field: float(setting.default) for field, setting in component.rate_limits.items()}


def ceiling_share(
    sandbox: SandboxProcess,
    vendor: str,
    first: date,
    last: date,
    zendesk_window_scale: float = 0.05,
    rate_scale: float = 1.0,
) -> dict[str, Any]:
    """One paced pull against the enforced limit; requests per second as a share of the ceiling, and 429s.

    ``rate_scale`` < 1 has the sandbox allow that share of the published count per window, the
    client's pacing scaled alike (for ceilings the sandbox cannot serve in real time)."""
    spec = CEILINGS[vendor]
    window_scale = zendesk_window_scale if vendor == "zendesk" else 1.0
    factor = rate_scale / window_scale
    pacing = default_pacing(vendor)
    settings = {**{k: v * factor if k in spec.scaled else v for k, v in pacing.items()}, **spec.settings}
    if rate_scale != 1.0:
        settings.update(spec.when_rate_scaled)
    sandbox.set_rate_limits(rate_scale, window_scale=window_scale)
    try:
        result = client_only(vendor, sandbox.url, first, last, **settings)
    finally:
        sandbox.set_rate_limits(None)
    limited = result["stats"].get(spec.counted, 0) if spec.counted else result["client_requests"]
    ceiling_rate = int(spec.requests * rate_scale) / (spec.window_seconds * window_scale)
    rate = limited / result["seconds"]
    return {
        "limit": spec.label,
        "window_scale": window_scale,
        "rate_scale": rate_scale,
        "settings": settings,
        "requests": limited,
        "seconds": result["seconds"],
        "requests_per_second": rate,
        "ceiling_per_second": ceiling_rate,
        "share": rate / ceiling_rate,
        "throttled": result["throttled"],
        "rows": result["rows"],
    }
