"""The sandbox's change feed: it changes the world the dialects serve and tells receivers by webhook.

A real vendor's webhooks announce changes that its REST API then shows; a receiver is only tested
honestly if both agree. So each change here is made in the dialect's own data first (``Overlay`` on
top of the seeded world, undone by the dialect's ``reset``), then announced in the vendor's own
payload shape and signature (``dialects/{vendor}/webhooks.py``) by a sender that retries as the
vendors do (``delivery.py``). ``feed.py`` ties them together; ``routes.py`` is its admin HTTP API.
"""

from vendor_sandbox.changefeed.model import KINDS, Change, ChangeError, VendorFeed
from vendor_sandbox.changefeed.settings import DEFAULT_SECRETS, WebhookSettings

__all__ = ["DEFAULT_SECRETS", "KINDS", "Change", "ChangeError", "VendorFeed", "WebhookSettings"]
