"""Packaged report scenarios for ``moatlab report`` (TOML files in this folder)."""
