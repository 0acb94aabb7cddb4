"""The ``moatlab`` command line: a thin layer over the Python API."""

from .main import app, main

__all__ = ["app", "main"]
