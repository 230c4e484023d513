"""``integration-pipelines status``: every integration, whether it is configured, healthy and fresh.

The catalog an operator knows from a product's admin screen, read from the same environment → resource
mapping the definitions use (``defs/resources.py``), so what it reports is what a run would do.
"""
