"""Would more stylised facts pin down the market calibration? (about 15 s on one core)

    python benchmarks/market_identification.py

The shipped calibration (docs/market.md, "Calibration") pins down only users' sensitivity to quality
and start-ups' funding: the other four free parameters trade off against each other. This script
asks which further target would help, before anyone collects its data. At the shipped fit it
computes the Jacobian of four candidate moments of the baseline (months 12–35, 12 seeds, central
differences of ±5 % of each range, common random numbers, as the calibration's own Jacobian) and,
appending each candidate to
the shipped Jacobian (``jacobian.csv``), the standard errors the calibration would report, as a share
of each parameter's range (pinned down: under 0.25). The candidates and the tolerance ("scale") a
target for each would have, fixed before the run:

    active           foundation-model developers with a model on the market   scale 5 firms
    incumbent_share  revenue share of the incumbents                          scale 0.1
    outside_share    share of users who buy no foundation-model product       scale 0.1
    startup_training start-ups' training spend, $B a month                    scale 5/12 (5 $B a year)
"""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pandas as pd

from moatlab.market import make_params
from moatlab.market.calibrate import FREE, WINDOW, _overrides, standard_errors
from moatlab.market.ensemble import seed_sequences
from moatlab.market.model import MarketModel
from moatlab.market.scenario import load_scenario

CANDIDATES = {"active": 5.0, "incumbent_share": 0.1, "outside_share": 0.1, "startup_training": 5 / 12}
SEEDS = 12
SEED = 99
STEP = 0.05


def candidate_moments(values: dict[str, float]) -> pd.Series:
    params = make_params(_overrides(values, 48), base=load_scenario("baseline").params)
    rows = []
    for ss in seed_sequences(SEED, SEEDS):
        w = MarketModel(params, rng=ss).run().iloc[WINDOW[0] : WINDOW[1]]
        rows.append({k: float(w[k].mean()) for k in CANDIDATES})
    return pd.DataFrame(rows).mean()


def main() -> None:
    cal = resources.files("moatlab.market") / "data" / "calibration"
    fit = json.loads((cal / "fitted.json").read_text())["fitted"]
    with (cal / "jacobian.csv").open() as f:
        shipped = pd.read_csv(f, index_col=0)[list(FREE)].to_numpy()
    print("at the fit:", {k: round(v, 3) for k, v in candidate_moments(fit).items()})
    cols = {}
    for name, (lo, hi) in FREE.items():
        up, dn = dict(fit), dict(fit)
        up[name], dn[name] = min(hi, fit[name] + STEP * (hi - lo)), max(lo, fit[name] - STEP * (hi - lo))
        d = (candidate_moments(up) - candidate_moments(dn)) / (up[name] - dn[name])
        cols[name] = {k: d[k] / s for k, s in CANDIDATES.items()}
    extra = pd.DataFrame(cols)
    width = np.array([hi - lo for lo, hi in FREE.values()])
    rows = {"shipped targets": shipped}
    rows.update({f"+ {k}": np.vstack([shipped, extra.loc[[k]].to_numpy()]) for k in CANDIDATES})
    rows["+ all four"] = np.vstack([shipped, extra.to_numpy()])
    print("\nstandard error / range (pinned down: < 0.25)")
    print("| targets | " + " | ".join(FREE) + " |")
    print("|---|" + "---|" * len(FREE))
    for label, jac in rows.items():
        se, _ = standard_errors(jac)
        print(f"| {label} | " + " | ".join(f"{x:.2f}" for x in se / width) + " |")


if __name__ == "__main__":
    main()
