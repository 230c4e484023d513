"""Reusable Dagster components; ``defs/*/defs.yaml`` instantiate them."""

from integration_pipelines.components.vendor_sync import VendorSync

__all__ = ["VendorSync"]
