"""The market claims M1–M5 at the shipped calibration and at an equally good second fit.

    python benchmarks/market_alternative_fit.py        # ~5 minutes on one core

``moatlab market calibrate`` with its default seed (3) gives the shipped defaults (loss 1.49); the same
command with ``--seed 4`` fits as well (loss 1.01) at a different point, because the targets pin down
only users' sensitivity to quality and start-ups' funding (docs/market.md, "Calibration"). A referee's
question: do the findings depend on which of the two fits is shipped? Each claim is decided with the
claims registry's own rule, ensemble and seed (``Claim.at_defaults``), at both points; the other
parameters stay at their defaults. Prints one row per claim and fit: holds or not, and the claim's
margin.
"""

from __future__ import annotations

import time

import numpy as np

from moatlab.claims import get

# `moatlab market calibrate --seed 4` (docs/market.md, 3 significant figures, as the shipped defaults)
SECOND_FIT = {"scaling": 1.25, "quality_sensitivity": 0.243, "types.challenger.funding": 0.125,
              "entry_cost": 0.0932, "adopt_cost": 0.177, "types.challenger.train_share": 1.0}  # fmt: skip
CLAIMS = ("M1", "M2", "M3", "M4", "M5")


def main() -> None:
    print("| claim | fit | holds | margin | seconds |")
    print("|---|---|---|---|---|")
    for name in CLAIMS:
        c = get(name)
        fits = (("shipped (seed 3)", c.defaults), ("second (seed 4)", {**c.defaults, **SECOND_FIT}))
        for label, point in fits:
            t = time.perf_counter()
            h, m = c.evaluate(point, [np.random.SeedSequence(0, spawn_key=(3, 0))])  # as Claim.at_defaults
            dt = time.perf_counter() - t
            print(f"| {name} | {label} | {'yes' if h[0] else 'no'} | {m[0]:+.4g} | {dt:.0f} |", flush=True)


if __name__ == "__main__":
    main()
