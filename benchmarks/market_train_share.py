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


def calibration() -> None:
    res = calibrate(free=dict(FREE, **{SHARE: (0.0, 1.0)}), samples=500, seeds=3, rng=3, workers=2, refine=8)
    print("fitted:", {k: round(v, 3) for k, v in res.fitted.items()}, "loss", round(res.meta["loss"], 2))
    print(res.fit[["target", "value", "simulated", "z"]].to_string(index=False))
    print(res.identification[["parameter", "fitted", "se", "se_share", "pinned_down"]].to_string(index=False))


if __name__ == "__main__":
    calibration() if "--calibrate" in sys.argv else moments_at_the_fit()
