"""Figures show what they should: reference lines in legends, a PRIM legend off the chosen box."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def test_hhi_reference_lines_are_named_in_the_legends():
    from moatlab.market.ensemble import run_ensemble, summary
    from moatlab.plots.market import HHI_2010, HHI_2023, plot_bands, plot_compare

    ds = run_ensemble(["baseline"], seeds=2, seed=1)
    for fig in (plot_bands(ds), plot_compare(summary(ds))):
        labels = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
        assert HHI_2010 in labels and HHI_2023 in labels


def test_prim_legend_does_not_cover_the_chosen_box():
    from moatlab.plots.sweep import plot_prim
    from moatlab.sweep.discovery import discover

    rng = np.random.default_rng(3)
    df = pd.DataFrame({"a": rng.random(2000), "b": rng.random(2000)})
    df["case"] = ((df["a"] > 0.6) & (df["b"] < 0.3)).astype(int)
    res = discover(df, "case", parameters=["a", "b"])
    fig = plot_prim(res)
    fig.canvas.draw()
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent()
    star = ax.transData.transform((res.coverage, res.density))
    assert not legend.contains(*star)
    assert not legend.overlaps(ax.get_window_extent())


def test_zstar_components_shows_every_component_in_its_own_panel():
    from moatlab.plots.race import plot_zstar_components
    from moatlab.race import RaceModel, component_effects

    eff = component_effects(RaceModel(n=100, m=365, open=1.0, closed=4.0), np.geomspace(0.5, 30, 6),
                            release_day=60)
    fig = plot_zstar_components(eff)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    comps = [c for c in eff["component"].values if c != "core"]
    assert len(visible) == len(comps)
    titles = {" ".join(ax.get_title().split("\n")[:-1]) for ax in visible}
    assert titles == {" ".join(str(c).split()) for c in comps}
