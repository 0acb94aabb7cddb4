"""The (θ, p) landscape: curves, welfare references, Pareto flags, figure."""

import numpy as np
import pytest

from moatlab import solve
from moatlab.game.landscape import compliance_penalty, landscape, policy_curves
from moatlab.plots import plot_landscape, plot_omega_free


@pytest.mark.parametrize("form", ["lump_sum", "turnover", "shortfall"])
@pytest.mark.parametrize("a0", [0.05, 0.4, 1.5])
def test_indifference_curve_is_where_g_switches(form, a0):
    th = np.linspace(0.05, 1, 20)
    cur = policy_curves(th, alpha0=a0, c_g=0.1, penalty_form=form)
    n = 0
    for t, ps in cur["p_star"].items():
        if not np.isfinite(ps) or ps <= 0:
            continue
        n += 1
        hi = min(ps * (1 + 1e-6) + 1e-9, 1.0) if form == "turnover" else ps * (1 + 1e-6) + 1e-9
        assert solve(alpha0=a0, c_g=0.1, theta=t, penalty=hi, penalty_form=form).action == "comply"
        assert solve(alpha0=a0, c_g=0.1, theta=t, penalty=ps * (1 - 1e-6),
                     penalty_form=form).action == "defy"
    assert n > 0


def test_exit_boundary_is_where_g_leaves():
    cur = policy_curves(np.linspace(0, 1, 21), alpha0=1.5, c_g=0.3)
    pe = cur["p_exit"].dropna()
    assert len(pe) > 0
    for t, p in pe.items():
        assert solve(alpha0=1.5, c_g=0.3, theta=t, penalty=p * (1 + 1e-9)).action == "exit"
        assert solve(alpha0=1.5, c_g=0.3, theta=t, penalty=p * (1 - 1e-9)).action == "defy"


def test_welfare_against_references():
    ds = landscape(np.linspace(0, 1, 51), np.linspace(0, 0.5, 26), alpha0=0.05)
    comply = ds["action"].values == 2
    assert comply.sum() > 100
    # against no regulation, compliance moves utility from G to D
    assert (ds["dU_G_no_regulation"].values[comply] <= 1e-12).all()
    assert (ds["dU_D_no_regulation"].values[comply] > 0).all()
    # against no exemption (G pays p anyway), compliance helps both at some policies
    assert ds["pareto_strict_no_exemption"].values[comply].sum() > 0
    # strict implies weak; flags agree with the changes they summarise
    assert (ds["pareto_weak_no_exemption"] >= ds["pareto_strict_no_exemption"]).all()
    strict = (ds["dU_G_no_exemption"] > 1e-12) & (ds["dU_D_no_exemption"] > 1e-12)
    assert (strict == (ds["pareto_strict_no_exemption"] == 1)).all()


def test_landscape_rejects_swept_model_parameters():
    from moatlab import ParameterError
    with pytest.raises(ParameterError, match="alpha0"):
        landscape(alpha0=[0.1, 0.2])


def test_compliance_penalty_matches_curves():
    ds = compliance_penalty([0.05, 0.5, 2.0], 0.6)
    for a in (0.05, 0.5, 2.0):
        ps = policy_curves([0.6], alpha0=a)["p_star"].iloc[0]
        assert ds["p_star"].sel(alpha0=a).item() == ps


def test_figures_have_labels_legend_and_curves(tmp_path):
    ds = landscape(np.linspace(0, 1, 41), np.linspace(0, 0.6, 31), alpha0=1.5, c_g=0.3)
    fig = plot_landscape(ds)
    ax = fig.axes[0]
    assert "θ" in ax.get_xlabel() and "penalty" in ax.get_ylabel()
    assert "α0=1.5" in ax.get_title()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"comply", "defy", "exit", "indifference curve p*(θ)", "exit boundary"} <= set(labels)
    fig.savefig(tmp_path / "l.png")
    fig2 = plot_omega_free(solve(alpha0=np.geomspace(0.01, 3, 20), epsilon=[0, 0.1]))
    assert len(fig2.axes[0].get_lines()) == 2
