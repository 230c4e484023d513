"""Warehouse exporters: one protocol, one implementation per engine."""
