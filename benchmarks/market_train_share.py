"""Start-ups' money and training at the shipped fit (docs/market.md, Calibration and Limitations).

    python benchmarks/market_train_share.py      # ~1 minute on one core

The calibration fits ``types.challenger.train_share``, the share of each month's outside funding a
start-up commits to training (money raised to train), with the venture money reaching start-ups as a
target. Their own pricing of a training budget still almost never chooses to spend more
(``tests/test_market_mechanisms.py::test_start_ups_choose_to_train_from_their_own_cash``). Prints:

1. the seven calibration moments and the loss at the shipped fit with train_share 0, the fitted
   value, 0.5 and 1 (12 seeds, the calibration's own moment code);
2. over 10 seeds, months 12–35: the start-ups' outside money and training spend ($B a year), the
   share of start-up and incumbent firm-months whose own pricing chose a positive training budget,
   and the median cash of start-ups and incumbents at month 35.
"""

from __future__ import annotations

import json
from importlib import resources

import numpy as np

from moatlab.market import MarketModel, make_params
from moatlab.market.calibrate import _point, load_targets, loss
from moatlab.market.model import ADOPT
from moatlab.market.scenario import load_scenario

SHARE = "types.challenger.train_share"


def moments_at_the_fit() -> None:
    fit = json.loads((resources.files("moatlab.market") / "data" / "calibration" / "fitted.json").read_text())
    targets = load_targets()
    for ts in (0.0, round(fit["fitted"][SHARE], 3), 0.5, 1.0):
        m = _point((dict(fit["fitted"], **{SHARE: ts}), 12, 12345, 48))
        print(f"train_share {ts}: " + ", ".join(f"{k} {v:.3g}" for k, v in m.items())
              + f"; loss {loss(m, targets):.2f}", flush=True)  # fmt: skip


def start_ups(seeds: int = 10, periods: int = 36, window: tuple[int, int] = (12, 36)) -> None:
    """Money, training and cash of the start-ups (challengers) against the incumbents."""
    p = make_params({"periods": periods}, base=load_scenario("baseline").params)
    money = training = 0.0
    firm_months = {"challenger": [0, 0], "incumbent": [0, 0]}
    cash: dict[str, list[float]] = {"challenger": [], "incumbent": []}
    for seed in range(seeds):
        m = MarketModel(p, rng=seed)
        for t in range(periods):
            m.step()
            if window[0] <= t < window[1]:
                money += m.metrics["startup_funding"]
                training += m.metrics["startup_training"]
                for kind, counts in firm_months.items():
                    ids = [i for i, f in m.firms.items() if f.kind == kind and m.alive[i]]
                    ch = m.choice[ids]
                    counts[0] += len(ids)
                    counts[1] += int(((ch > 0) & (ch < ADOPT)).sum())
        for kind in cash:
            cash[kind] += [float(m.cash[i]) for i, f in m.firms.items() if f.kind == kind and m.alive[i]]
    years = seeds * (window[1] - window[0]) / 12
    print(f"start-ups' outside money {money / years:.1f} $B a year, training spend {training / years:.1f}")
    for kind, (n, chose) in firm_months.items():
        print(f"{kind}: own pricing chose to train in {chose} of {n} firm-months ({chose / max(n, 1):.0%}); "
              f"median cash at month {periods - 1}: {np.median(cash[kind]):.1f} $B")  # fmt: skip


if __name__ == "__main__":
    moments_at_the_fit()
    start_ups()
