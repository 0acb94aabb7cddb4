"""Market structure of foundation models: appropriability, complementary assets, a rogue open
giant and the paper's policy levers (Azoulay et al. 2024), as an agent-based simulation on Mesa.

Needs the ``abm`` extra (``pip install 'moatlab[abm]'``).
"""

from .mechanisms import hhi, logit_shares
from .model import METRICS, MarketModel
from .params import (
    ASSETS,
    TYPES,
    Asset,
    FirmType,
    Leak,
    MarketParams,
    Policy,
    Rogue,
    make_params,
    with_policy,
)

__all__ = [
    "ASSETS",
    "METRICS",
    "TYPES",
    "Asset",
    "FirmType",
    "Leak",
    "MarketModel",
    "MarketParams",
    "Policy",
    "Rogue",
    "hhi",
    "logit_shares",
    "make_params",
    "with_policy",
]
