"""``moatlab solve/landscape --schedule``: share schedules typed as expressions (moatlab.expr).

Every command runs in its own process (tests/cli_harness.py, forked from a warm interpreter).
Checked: an expression that ignores α1 and equals a built-in schedule gives the built-in's numbers;
one that depends on α1 gives exactly what the Python API gives with the equivalent
QualitySchedule; bad input exits 2 with one line and writes nothing; the expression compiler
refuses everything outside its whitelist.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moatlab.errors import ParameterError
from moatlab.expr import compile_expression
from moatlab.game import QualitySchedule, solve
from moatlab.game.landscape import landscape

from .fuzz_helpers import assert_one_line, cli, listing

NUMBERS = ("omega", "omega_free", "alpha1", "U_G", "U_D", "surplus", "penalty_paid")
POINTS = [  # (bargaining solution, model options): G complies at two; G's own ω is interior at the third
    ("nash", dict(alpha0=0.5, theta=0.3, penalty=0.1)),
    ("egalitarian", dict(alpha0=0.2, theta=0.6, penalty=0.05, lam=0.4, epsilon=0.05)),
    ("kalai_smorodinsky", dict(alpha0=0.05, epsilon=0.05, kappa0=0.02, c_g=0.05, f_d=0.01)),
]


def _args(model: dict) -> list[str]:
    return [a for k, v in model.items() for a in ("--" + k.replace("_", "-"), str(v))]


def _solve(tmp_path, bargaining: str, model: dict, schedule: str) -> dict:
    r = cli(["solve", *_args(model), "--bargaining", bargaining, "--schedule", schedule, "--json"], tmp_path)
    assert r.rc == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize(("expression", "builtin"), [("s*(1 - omega)", "scale"), ("s", "constant")])
@pytest.mark.parametrize(("bargaining", "model"), POINTS)
def test_expression_equal_to_a_builtin_gives_its_numbers(tmp_path, expression, builtin, bargaining, model):
    """The share is located to about 1e-8 (golden section), so it is compared to 1e-6 and the
    outcomes to 1e-7; `scale` is solved in closed form, the expression on the numerical path."""
    a = _solve(tmp_path, bargaining, model, builtin)
    b = _solve(tmp_path, bargaining, model, expression)
    assert (a["schedule"], b["schedule"]) == (builtin, expression)
    assert a["action"] == b["action"] and a["participates"] == b["participates"]
    assert abs(a["share"] - b["share"]) <= 1e-6, (a, b)
    for k in NUMBERS:
        assert (a[k] is None) == (b[k] is None), k
        if a[k] is not None:
            assert abs(a[k] - b[k]) <= 1e-7, (k, a[k], b[k])


def test_the_builtins_differ_where_the_comparison_is_made(tmp_path):
    """The comparison above can fail: at the first point the two built-ins disagree by far more."""
    bargaining, model = POINTS[0]
    a = _solve(tmp_path, bargaining, model, "scale")
    b = _solve(tmp_path, bargaining, model, "constant")
    assert abs(a["share"] - b["share"]) > 0.1 and abs(a["U_G"] - b["U_G"]) > 0.05


TAXES = [  # (expression, the same schedule written as Python)
    ("s*(1 - omega) + 0.05*alpha1**2", lambda w, a, s: s * (1 - w) + 0.05 * a**2),
    ("min(s + 0.1*alpha1, 1)", lambda w, a, s: np.minimum(s + 0.1 * a, 1)),
]


@pytest.mark.parametrize(("expression", "func", "bargaining", "model"),
                         [(*TAXES[0], *POINTS[0]), (*TAXES[1], *POINTS[1])])
def test_quality_expression_matches_the_python_api(tmp_path, expression, func, bargaining, model):
    """The same arithmetic in the same order: equal to 1e-12 (relative; in practice bit for bit)."""
    d = _solve(tmp_path, bargaining, model, expression)
    eq = solve(bargaining=bargaining, schedule=QualitySchedule(func, name=expression), **model)
    assert d["schedule"] == expression == eq.schedule
    assert d["action"] == eq.action and d["participates"] == eq.participates
    for k in ("share", *NUMBERS):
        want = getattr(eq, k)
        if np.isnan(want):
            assert d[k] is None, k
        else:
            assert d[k] == pytest.approx(want, rel=1e-12, abs=1e-14), k


def test_landscape_with_an_expression_matches_the_python_api(tmp_path):
    """A schedule without α1 is a plain f(ω, s), as ``schedule=lambda omega, s: ...`` would be."""
    expression = "s*(1 - omega)**2"

    def func(w, s):
        return s * (1 - w) ** 2

    func.__name__ = expression
    out = tmp_path / "ls"
    r = cli(["landscape", "--alpha0", "0.5", "--theta-grid", "0:0.6:3", "--penalty-grid", "0:0.2:2",
             "--bargaining", "nash", "--schedule", expression, "--out", str(out)], tmp_path)
    assert r.rc == 0, r.stderr
    want = landscape(np.linspace(0, 0.6, 3), np.linspace(0, 0.2, 2), alpha0=0.5, bargaining="nash",
                     schedule=func)
    with xr.open_dataset(out / "landscape.nc") as ds:
        assert ds.attrs["schedule"] == expression and ds.attrs["method"] == "numerical"
        assert f"s = {ds.attrs['share_no_regulation']:.4g} of schedule '{expression}'" in r.stdout
        for k in ("action", "share", "omega", "alpha1", "U_G", "U_D", "dU_G_no_regulation"):
            np.testing.assert_allclose(ds[k].values, want[k].values, rtol=1e-12, atol=1e-14, err_msg=k)


BAD = [
    (["--bargaining", "nash", "--schedule", "linear"], "unknown name 'linear'"),
    (["--bargaining", "nash", "--schedule", "s*(1 - x)"], "unknown name 'x'"),
    (["--bargaining", "nash", "--schedule", "s*(1 - omega"], "not valid syntax"),
    (["--bargaining", "nash", "--schedule", "__import__('os').getcwd()"], "unknown function"),
    (["--bargaining", "nash", "--schedule", "omega.real"], "'omega.real' is not allowed"),
    (["--bargaining", "nash", "--schedule", "s if omega else 1"], "is not allowed"),
    (["--bargaining", "nash", "--schedule", "max(s)"], "max takes 2 arguments"),
    (["--bargaining", "nash", "--schedule", ""], "it is empty"),
    (["--bargaining", "nash", "--schedule", "s" + "+s" * 300], "longer than 500"),
    (["--bargaining", "nash", "--schedule", "9" * 400 + "*s"], "is too large"),  # no float holds it
    (["--bargaining", "nash", "--schedule", "log(omega)"], "finite share"),
    (["--bargaining", "nash", "--schedule", "s/(alpha1 - 0.2)"], "finite share"),
    (["--schedule", "constant"], "with --bargaining fixed"),
    (["--schedule", "s*(1 - omega)"], "with --bargaining fixed"),
    (["--bargaining", "nash", "--schedule", "s", "--method", "closed_form"], "--method"),
]


@pytest.mark.parametrize("command", ["solve", "landscape"])
@pytest.mark.parametrize(("args", "needle"), BAD)
def test_bad_schedule_one_line_exit_2_nothing_written(tmp_path, command, args, needle):
    out = ["--out", str(tmp_path / "out")] if command == "landscape" else []
    before = listing(tmp_path)
    r = cli([command, "--alpha0", "0.2", *args, *out], tmp_path)
    line = assert_one_line(r, needle, before=before, folder=tmp_path)
    assert r.stdout == ""
    if needle != "--method":
        assert line.startswith("error: --schedule = "), line
    if needle not in ("--method", "finite share", "with --bargaining fixed"):
        assert "must be scale, constant or an expression in omega, alpha1, s" in line  # what is allowed


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40),
    st.sampled_from(["scale", "constant", "Scale", "s*", "((s)", "1e999*s", "s**-1", "omega/0", " s "])))
def test_any_schedule_text_is_a_result_or_one_line(tmp_path_factory, text):
    tmp_path = tmp_path_factory.mktemp("schedule")
    r = cli(["solve", "--bargaining", "nash", "--schedule", text, "--json"], tmp_path)
    assert "Traceback" not in r.stderr and r.rc in (0, 2), (r.rc, r.stderr)
    if r.rc == 2:
        assert_one_line(r, "--schedule")
    else:
        assert json.loads(r.stdout)["schedule"] == text.strip()


# -- the expression compiler ------------------------------------------------------------------


def test_expression_evaluates_like_numpy():
    f = compile_expression("x", "exp(-omega)*sqrt(s) + log1p(alpha1)/2 - abs(-pi) + tanh(e) + max(s, omega)",
                           ("omega", "alpha1", "s"))
    w, a, s = np.linspace(0, 1, 5), np.linspace(0.2, 3, 5), np.linspace(1, 0, 5)
    want = np.exp(-w) * np.sqrt(s) + np.log1p(a) / 2 - np.pi + np.tanh(np.e) + np.maximum(s, w)
    np.testing.assert_array_equal(f(omega=w, alpha1=a, s=s), want)
    assert f.used == {"omega", "alpha1", "s"}
    assert compile_expression("x", "0.3 + 0*s", ("omega", "s")).used == {"s"}


def test_expression_numbers_are_floats_and_errors_are_quiet():
    """9**9**9 as integers would take minutes and gigabytes; as floats it is inf at once."""
    assert compile_expression("x", "9**9**9", ("s",))(s=0.0) == np.inf
    with np.errstate(all="raise"):  # the compiled function silences its own warnings
        out = compile_expression("x", "omega/s", ("omega", "s"))(omega=np.array([1.0, 0.0]), s=0.0)
    assert out[0] == np.inf and np.isnan(out[1])


@pytest.mark.parametrize("text", ["__import__('os')", "().__class__", "[s]", "s[0]", "'s'", "True",
                                  "1j", "s < 1", "s and omega", "lambda: 1", "f'{s}'", "s @ s",
                                  "s // 2", "~s", "exp(x=s)", "exp(*s)", "(s := 1)", "s, omega"])
def test_expression_refuses_everything_else(text):
    with pytest.raises(ParameterError, match=r"^--x = .* is not allowed: must be an expression in s, omega"):
        compile_expression("--x", text, ("s", "omega"))
