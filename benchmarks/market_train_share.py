"""Start-ups that never train, and what money raised to train changes (docs/market.md, Limitations).

    python benchmarks/market_train_share.py               # moments at the shipped fit (~20 s)
    python benchmarks/market_train_share.py --calibrate   # train_share free (~6 min, 2 cores)

At the calibrated defaults no start-up ever chooses a positive training budget
(``tests/test_market_mechanisms.py::test_start_ups_train``). ``types.challenger.train_share`` commits a
share of each month's outside funding to training (0 by default). The first part prints the six
calibration moments and the loss at the shipped fit for train_share 0, 0.25, 0.5 and 1 (12 seeds);
the second runs the shipped calibration's own settings (500 points, 3 seeds, seed 3, 8 re-checked on
12 seeds, 2 workers) with train_share as a sixth free parameter over [0, 1], and prints the fit, the
fit per target and the identification table.
"""

from __future__ import annotations

import json
import sys
from importlib import resources

from moatlab.market.calibrate import FREE, _point, calibrate, load_targets, loss

SHARE = "types.challenger.train_share"


def moments_at_the_fit() -> None:
    fit = json.loads((resources.files("moatlab.market") / "data" / "calibration" / "fitted.json").read_text())
    targets = load_targets()
    for ts in (0.0, 0.25, 0.5, 1.0):
        m = _point((dict(fit["fitted"], **{SHARE: ts}), 12, 12345, 48))
        print(f"train_share {ts}: " + ", ".join(f"{k} {v:.3g}" for k, v in m.items())
              + f"; loss {loss(m, targets):.2f}", flush=True)  # fmt: skip


def start_up_funding(seeds: int = 10) -> None:
    """Outside money of the active start-ups (challengers), $B a year over months 12–35."""
    import numpy as np

    from moatlab.market import MarketModel, make_params
    from moatlab.market.scenario import load_scenario

    p = make_params({"periods": 36}, base=load_scenario("baseline").params)
    years, active = [], []
    for seed in range(seeds):
        m, money, n = MarketModel(p, rng=seed), 0.0, []
        for t in range(36):
            m.step()
            ids = np.array([i for i, f in m.firms.items() if f.kind == "challenger" and m.alive[i]])
            if 12 <= t < 36 and ids.size:
                money += float(m._funding(ids, t).sum())
                n.append(ids.size)
        years.append(money / 2)
        active.append(np.mean(n))
    lo, hi = np.percentile(years, [10, 90])
    print(f"start-ups' outside money, months 12-35: {np.mean(years):.0f} $B a year "
          f"(10-90%: {lo:.0f}-{hi:.0f}), {np.mean(active):.1f} active start-ups")


def calibration() -> None:
    res = calibrate(free=dict(FREE, **{SHARE: (0.0, 1.0)}), samples=500, seeds=3, rng=3, workers=2, refine=8)
    print("fitted:", {k: round(v, 3) for k, v in res.fitted.items()}, "loss", round(res.meta["loss"], 2))
    print(res.fit[["target", "value", "simulated", "z"]].to_string(index=False))
    print(res.identification[["parameter", "fitted", "se", "se_share", "pinned_down"]].to_string(index=False))


if __name__ == "__main__":
    if "--calibrate" in sys.argv:
        calibration()
    else:
        moments_at_the_fit()
        start_up_funding()
