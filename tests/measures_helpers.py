"""Shared helpers of the measures tests."""

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
MOF_FIX = FIXTURES / "mof"
