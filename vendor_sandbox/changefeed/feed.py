"""The change feed: make changes in the dialects' data, then announce them to a receiver.

Changes are applied on the server's event loop (the admin route and the background task both run
there), so a request being answered never sees a dialect's indexes half-updated.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from vendor_sandbox.changefeed.delivery import Sender, WebhookStats
from vendor_sandbox.changefeed.model import KINDS, Change, ChangeError, DeliveryResult, FeedContext, VendorFeed
from vendor_sandbox.changefeed.settings import WebhookSettings
from vendor_sandbox.dialect import Dialect

log = logging.getLogger("vendor_sandbox.changefeed")
MAX_COUNT = 100  # changes per request: one HubSpot or Salesforce delivery carries at most 100 events


class ChangeFeed:
    def __init__(self, dialects: Sequence[Dialect], settings: WebhookSettings) -> None:
        self.settings = settings
        self.dialects = {d.name: d for d in dialects if d.change_feed is not None}
        self.stats = WebhookStats()
        self.sender = Sender(settings, self.stats)
        self._rng = random.Random(f"change-feed-background:{settings.seed}")

    def feed(self, vendor: str) -> tuple[Dialect, VendorFeed]:
        dialect = self.dialects.get(vendor)
        if dialect is None or dialect.change_feed is None:
            raise ChangeError(f"no change feed for {vendor!r}; served: {sorted(self.dialects)}")
        return dialect, dialect.change_feed

    def apply(
        self,
        vendor: str,
        kind: str,
        count: int = 1,
        at: datetime | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> list[Change]:
        """Make ``count`` changes of ``kind`` in ``vendor``'s data, visible through its REST API at once."""
        dialect, feed = self.feed(vendor)
        if kind not in KINDS:
            raise ChangeError(f"kind must be one of {KINDS}, not {kind!r}")
        if kind not in feed.kinds:
            raise ChangeError(f"{vendor} does not announce {kind} changes by webhook (it announces {feed.kinds})")
        if not 1 <= count <= MAX_COUNT:
            raise ChangeError(f"count must be from 1 to {MAX_COUNT}")
        if options and options.get("object", feed.objects[0]) not in feed.objects:
            raise ChangeError(f"{vendor}'s feed changes {', '.join(feed.objects)}, not {options['object']!r}")
        return [feed.apply(dialect, kind, at, options or {}) for _ in range(count)]

    def target(self, vendor: str, url: str | None = None) -> str:
        """Where ``vendor``'s webhooks go: ``url`` if given, else ``{--webhooks-to}/{vendor}``."""
        target = url or self.settings.url_for(vendor)
        if target is None:
            raise ChangeError("no receiver: start the sandbox with --webhooks-to or pass a url")
        return target

    async def deliver(self, vendor: str, changes: Sequence[Change], url: str | None = None) -> list[DeliveryResult]:
        """Announce ``changes`` (see ``target``), retrying as the vendor does."""
        _, feed = self.feed(vendor)
        target = self.target(vendor, url)
        context = FeedContext(self.settings.secrets.get(vendor, ""), self.settings.sandbox_url)
        deliveries = feed.deliveries(changes, target, context)
        return list(await asyncio.gather(*(self.sender.send(d) for d in deliveries)))

    async def run_background(self, interval: float) -> None:
        """One random change every ``interval`` seconds (seeded choice of vendor, kind and object), until
        cancelled; a draw the vendor cannot make (e.g. a new HubSpot contact message) is skipped."""
        while True:
            await asyncio.sleep(interval)
            vendor = self._rng.choice(sorted(self.dialects))
            _, feed = self.feed(vendor)
            kind, target = self._rng.choice(list(feed.kinds)), self._rng.choice(list(feed.objects))
            try:
                changes = self.apply(vendor, kind, options={"object": target})
                await self.deliver(vendor, changes)
            except ChangeError as exc:
                log.info("change feed skipped a %s %s of %s: %s", vendor, kind, target, exc)
            except Exception:  # the feed must outlive one bad change
                log.exception("change feed failed on a %s %s of %s", vendor, kind, target)
