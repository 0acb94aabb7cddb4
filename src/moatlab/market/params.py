"""Parameters of the market simulator: assets, firm types, policy levers, the market itself.

Every class is a frozen pydantic dataclass: values are checked on construction and a bad one
raises :class:`moatlab.errors.ParameterError` naming the field (``policy.theta``, ``assets.data
.specificity``…), the value and the allowed range. Units: money in $ billion, time in months,
compute in "list-price $B of GPUs" (one unit ≈ 35,000 H100s, from the paper's $10B for 350,000
H100s), quality in log-capability σ ln X (σ times the nats of effective compute). docs/market.md
gives the reason for each default value.
"""

from __future__ import annotations

from dataclasses import asdict, fields, replace
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError
from pydantic.dataclasses import dataclass

from .._validate import ParameterError

ASSETS = ("compute", "serving", "safety", "benchmarks", "data", "network")
TYPES = ("incumbent", "challenger", "academic")
RELEASE = ("closed", "open", "strategic")

_CFG = ConfigDict(extra="forbid", frozen=True)


def _unit(default: float = 0.0) -> Any:
    return Field(default, ge=0.0, le=1.0)


@dataclass(config=_CFG)
class Asset:
    """One complementary asset.

    specificity: how specialised the asset is (0 generic, many substitutes; 1 no substitute);
    markup: the rental mark-up a non-owner pays for a fully specific asset (1 = twice the owner's
    cost); depreciation and erosion per month (erosion: technical progress that substitutes for the
    asset, Tripsas 1997, shrinks its weight); accumulation per unit of its driver (training spend
    for compute and data, usage share for the others); weight: how much the asset matters.
    """

    specificity: float = _unit(0.5)
    markup: float = Field(1.0, ge=0.0, le=20.0)
    depreciation: float = Field(0.02, ge=0.0, le=1.0)
    erosion: float = Field(0.0, ge=0.0, le=1.0)
    accumulation: float = Field(1.0, ge=0.0, le=100.0)
    weight: float = Field(1.0, ge=0.0, le=10.0)


def _assets() -> dict[str, Asset]:
    return {
        "compute": Asset(specificity=0.7, markup=1.0, depreciation=0.021, erosion=0.003, accumulation=2.0),
        "serving": Asset(specificity=0.8, markup=1.0, depreciation=0.02, accumulation=0.5),
        "safety": Asset(specificity=0.5, markup=1.0, depreciation=0.01, accumulation=0.3),
        "benchmarks": Asset(specificity=0.6, markup=0.5, depreciation=0.02, accumulation=0.3),
        "data": Asset(specificity=0.7, markup=1.0, depreciation=0.01, erosion=0.002, accumulation=2.0),
        "network": Asset(specificity=0.9, markup=0.0, depreciation=0.03, accumulation=0.5),
    }


@dataclass(config=_CFG)
class FirmType:
    """Defaults of one firm type. ``assets0`` is the starting holding of every asset (1 = half
    the owner's advantage), ``funding`` the outside money per month (big tech's adjacent
    businesses, venture capital, grants), ``fixed_scale`` scales compliance and licensing costs,
    ``train_share`` is the share of each month's outside funding committed to training (money raised
    to train, spent before the priced budget; 0 leaves all spending to the pricing; start-ups' 0.536
    is calibrated)."""

    count: int = Field(0, ge=0, le=200)
    funding: float = Field(0.0, ge=0.0, le=100.0)
    cash0: float = Field(0.0, ge=0.0, le=1e4)
    compute0: float = Field(0.1, gt=0.0, le=1e6)
    knowhow0: float = Field(1.0, ge=0.0, le=100.0)
    assets0: float = Field(0.0, ge=0.0, le=100.0)
    openness: float = _unit()
    release: Literal["closed", "open", "strategic"] = "closed"
    royalty: float = _unit()
    spend_rate: float = Field(0.3, ge=0.0, le=1.0)
    fixed_scale: float = Field(1.0, ge=0.0, le=10.0)
    entry_share: float = _unit()
    train_share: float = _unit()


def _types() -> dict[str, FirmType]:
    return {
        "incumbent": FirmType(
            count=3, funding=0.5, cash0=10.0, compute0=5.0, knowhow0=3.0, assets0=3.0,
            openness=0.0, release="strategic", royalty=0.3, spend_rate=0.3, fixed_scale=1.0, entry_share=0.0,
        ),
        "challenger": FirmType(
            count=9, funding=0.105, cash0=1.0, compute0=0.3, knowhow0=1.0, assets0=0.2,
            openness=0.0, release="closed", royalty=0.2, spend_rate=0.3, fixed_scale=1.0, entry_share=0.6,
            train_share=0.536,
        ),
        "academic": FirmType(
            count=8, funding=0.004, cash0=0.05, compute0=0.02, knowhow0=1.0, assets0=0.05,
            openness=1.0, release="open", royalty=0.0, spend_rate=0.5, fixed_scale=0.1, entry_share=0.4,
        ),
    }  # fmt: skip


@dataclass(config=_CFG)
class Policy:
    """The paper's levers (Section 4) and openness regulation.

    public_benchmarks: credibility of public benchmarks (0 none, 1 full: no quality noise, no
    brand premium); legal_clarity: resolution of copyright uncertainty on training data (0 none);
    fractionalisation: public compute and FRAND access (scales every rental mark-up by 1 − f);
    royalty_cap: the largest royalty / API fee share a platform may charge developers (1 = no cap);
    theta, penalty: openness regulation as in the openness game, a firm with openness below θ pays
    ``penalty`` × its revenue (the game's 'turnover' form).
    """

    public_benchmarks: float = _unit()
    legal_clarity: float = _unit()
    fractionalisation: float = _unit()
    royalty_cap: float = Field(1.0, ge=0.0, le=1.0)
    theta: float = _unit()
    penalty: float = Field(0.0, ge=0.0, le=1.0)


@dataclass(config=_CFG)
class Rogue:
    """A 'rogue' giant: incumbent number ``firm`` (0 = the first) releases openly from ``period``."""

    firm: int = Field(0, ge=0)
    period: int = Field(0, ge=0)
    openness: float = Field(1.0, ge=0.0, le=1.0)


@dataclass(config=_CFG)
class Leak:
    """At ``period`` the best closed model's weights leak (the paper's LLaMA case)."""

    period: int = Field(12, ge=0)


@dataclass(config=_CFG)
class MarketParams:
    """Everything one run needs; the defaults are the 'closed oligopoly' baseline."""

    periods: int = Field(120, ge=1, le=100_000)
    n_developers: int = Field(1000, ge=0, le=1_000_000)
    max_firms: int = Field(80, ge=1, le=10_000)
    # knowledge and appropriability
    appropriability: float = Field(0.3, ge=0.0, le=1.0)
    leak_base: float = Field(0.10, ge=0.0, le=1.0)
    leak_open: float = Field(0.10, ge=0.0, le=1.0)
    imitation: float = Field(0.5, ge=0.0, le=1.0)
    open_gap: float = Field(0.5, ge=0.0, le=10.0)
    adopt_cost: float = Field(0.222, ge=0.0, le=1e4)
    adopt_lag: int = Field(4, ge=0, le=1000)
    adopt_noise: float = Field(1.0, ge=0.0, le=10.0)
    learning: float = Field(0.1, ge=0.0, le=10.0)
    knowhow_depreciation: float = Field(0.01, ge=0.0, le=1.0)
    knowhow_elasticity: float = Field(0.5, ge=0.0, le=2.0)
    data_efficiency: float = Field(1.0, ge=0.0, le=10.0)
    compute_efficiency: float = Field(1.0, ge=0.0, le=10.0)
    community: float = Field(0.02, ge=0.0, le=10.0)
    progress: float = Field(0.1, ge=0.0, le=1.0)
    # quality and users
    scaling: float = Field(1.21, gt=0.0, le=10.0)
    network_bonus: float = Field(0.5, ge=0.0, le=10.0)
    reach: float = Field(1.5, ge=0.0, le=10.0)
    trust: float = Field(1.0, ge=0.0, le=10.0)
    brand_bonus: float = Field(0.5, ge=0.0, le=10.0)
    quality_noise: float = Field(0.5, ge=0.0, le=10.0)
    noise_persistence: float = Field(0.9, ge=0.0, lt=1.0)
    quality_sensitivity: float = Field(0.26, gt=0.0, le=50.0)
    price_sensitivity: float = Field(1.0, gt=0.0, le=50.0)
    outside_quality: float = Field(3.0, ge=-100.0, le=100.0)
    outside_tracking: float = Field(0.8, ge=0.0, le=1.0)
    market_size: float = Field(1.0, gt=0.0, le=1e4)
    demand_growth: float = Field(0.03, ge=-0.5, le=1.0)
    margin: float = Field(1.0, gt=0.0, le=100.0)
    competition: float = Field(0.5, ge=0.0, le=1.0)
    neck_and_neck: float = Field(0.3, gt=0.0, le=10.0)
    serving_cost: float = Field(0.1, ge=0.0, le=10.0)
    # developers
    dev_quality_sensitivity: float = Field(1.5, ge=0.0, le=50.0)
    dev_fee_sensitivity: float = Field(3.0, ge=0.0, le=100.0)
    dev_open_taste: float = Field(1.5, ge=0.0, le=50.0)
    dev_hosting_cost: float = Field(0.5, ge=0.0, le=50.0)
    dev_outside_quality: float = Field(0.5, ge=-100.0, le=100.0)
    dev_switch: float = Field(0.1, ge=0.0, le=1.0)
    dev_revenue: float = Field(0.002, ge=0.0, le=100.0)
    finetune_gain: float = Field(0.3, ge=0.0, le=10.0)
    open_finetune_advantage: float = Field(1.0, ge=0.0, le=10.0)
    # firms' decisions, entry and exit
    horizon: int = Field(36, ge=1, le=1000)
    entry_rate: float = Field(1.0, ge=0.0, le=100.0)
    entry_cost: float = Field(0.0343, ge=0.0, le=1e4)
    entry_horizon: int = Field(24, ge=1, le=1000)
    entry_noise: float = Field(0.5, ge=0.0, le=10.0)
    exit_patience: float = Field(3.0, ge=1.0, le=1000.0)
    safety_cost: float = Field(0.004, ge=0.0, le=100.0)
    data_cost: float = Field(0.004, ge=0.0, le=100.0)
    legal_premium: float = Field(2.0, ge=0.0, le=100.0)
    fixed_cost_growth: float = Field(0.03, ge=-0.5, le=1.0)
    funding_elasticity: float = Field(0.5, ge=0.0, le=2.0)
    funding_dispersion: float = Field(1.0, ge=0.0, le=5.0)
    funding_runway: float = Field(24.0, ge=0.0, le=1000.0)
    # structure
    assets: dict[str, Asset] = Field(default_factory=_assets)
    types: dict[str, FirmType] = Field(default_factory=_types)
    policy: Policy = Field(default_factory=Policy)
    rogue: Rogue | None = None
    leak: Leak | None = None

    def __post_init__(self) -> None:
        if set(self.assets) != set(ASSETS):
            raise ParameterError("assets", ", ".join(self.assets), "exactly " + ", ".join(ASSETS))
        if set(self.types) != set(TYPES):
            raise ParameterError("types", ", ".join(self.types), "exactly " + ", ".join(TYPES))
        n0 = sum(t.count for t in self.types.values())
        if n0 > self.max_firms:
            raise ParameterError("types.*.count (sum)", n0, f"<= max_firms = {self.max_firms}")


def make_params(overrides: dict[str, Any] | None = None, base: MarketParams | None = None) -> MarketParams:
    """Build :class:`MarketParams` from nested overrides (``{"policy": {"theta": 0.5}}``).

    Nested tables merge into the defaults (``{"assets": {"data": {"specificity": 0.1}}}`` changes
    one field of one asset). A bad value raises :class:`ParameterError` naming the dotted field.

    >>> make_params({"policy": {"fractionalisation": 0.8}}).policy.fractionalisation
    0.8
    >>> make_params({"policy": {"theta": 2}})
    Traceback (most recent call last):
    ...
    moatlab.errors.ParameterError: policy.theta = 2 is not allowed: must be <= 1
    """
    merged = _merge(to_dict(base or MarketParams()), overrides or {})
    try:
        return MarketParams(**merged)
    except ValidationError as e:
        raise _parameter_error(e) from None
    except TypeError as e:  # an unknown top-level field
        raise ParameterError("market", str(e), "one of the documented fields") from None


def nested(field: str, value: Any) -> dict[str, Any]:
    """``"policy.theta", 0.5`` → ``{"policy": {"theta": 0.5}}`` (an override for :func:`make_params`)."""
    *head, last = field.split(".")
    out: dict[str, Any] = {last: value}
    for k in reversed(head):
        out = {k: out}
    return out


def to_dict(p: Any) -> dict[str, Any]:
    """Plain nested dict of a parameter object (for TOML, JSON and attrs)."""
    return asdict(p)


def with_policy(p: MarketParams, **changes: float) -> MarketParams:
    """``p`` with some policy levers changed (validated)."""
    try:
        return replace(p, policy=replace(p.policy, **changes))
    except ValidationError as e:
        raise _parameter_error(e, prefix="policy.") from None


def _merge(base: dict, over: dict, path: str = "") -> dict:
    out = dict(base)
    for k, v in over.items():
        if k not in out:
            allowed = sorted(out)
            raise ParameterError(f"{path}{k}", v, "a known field: " + ", ".join(allowed))
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v, f"{path}{k}.")
        else:
            out[k] = v
    return out


def _parameter_error(e: ValidationError, prefix: str = "") -> ParameterError:
    err = e.errors()[0]
    original = err.get("ctx", {}).get("error")
    if isinstance(original, ParameterError):
        return original
    loc = prefix + ".".join(str(x) for x in err["loc"] if x not in ("Asset", "FirmType", "Policy"))
    msg = err["msg"]
    allowed = msg
    for head in ("Input should be ", "Value error, "):
        if msg.startswith(head):
            allowed = msg[len(head) :]
    allowed = (
        allowed.replace("greater than or equal to", ">=")
        .replace("less than or equal to", "<=")
        .replace("greater than", ">")
        .replace("less than", "<")
    )
    if err["type"] == "extra_forbidden" or err["type"] == "unexpected_keyword_argument":
        allowed = "a known field"
    if err["type"] == "missing":
        return ParameterError(loc or "market", "missing", "given")
    return ParameterError(loc or "market", err.get("input"), allowed)


def field_names() -> tuple[str, ...]:
    return tuple(f.name for f in fields(MarketParams))
