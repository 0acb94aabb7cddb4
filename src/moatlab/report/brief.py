"""Self-contained HTML policy briefs: parameters, figures (embedded), findings with computed numbers.

``moatlab report SCENARIO.toml --out brief.html`` reads a report scenario (``[game]`` parameters,
the ``[policy]`` (θ, p) under study and, optionally, a ``[market]`` ensemble), computes every
number it states with the library's API, and writes one HTML file with no external resource:
figures are PNG data URIs, styles inline. Every stated number sits in an element with a
``data-key`` attribute so it can be checked against the API. ``--pdf`` prints the page with a
headless Chromium when one is installed.
"""

from __future__ import annotations

import base64
import html
import math
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .._toml import load_toml, loads_toml
from .._validate import ParameterError
from ..errors import ScenarioError, fmt_value


class ReportError(ScenarioError):
    """A report scenario is invalid or a brief cannot be written: one line."""


def _model(game: dict[str, Any]) -> dict[str, Any]:
    """The game's parameters without the bargaining stage's name."""
    return {k: v for k, v in game.items() if k != "bargaining"}


def _bargaining(game: dict[str, Any]) -> str:
    """The bargaining stage a scenario asks for (``fixed`` when none), checked."""
    b = game.get("bargaining", "fixed")
    try:
        from ..game.bargaining import SOLUTIONS
    except ImportError:  # pragma: no cover - a game without the bargaining stage
        SOLUTIONS = ("fixed",)
    if b not in SOLUTIONS:
        raise ParameterError("game.bargaining", b, "one of " + ", ".join(SOLUTIONS))
    return b


@dataclass(frozen=True)
class ReportScenario:
    title: str
    summary: str
    game: dict[str, Any]
    theta: float
    penalty: float
    pmax: float = 0.5
    market: dict[str, Any] | None = None
    source: str = ""


def packaged_reports() -> list[str]:
    return sorted(
        p.name[:-5] for p in resources.files("moatlab.report.scenarios").iterdir() if p.name.endswith(".toml")
    )


def load_report_scenario(source: str | os.PathLike) -> ReportScenario:
    """Read a report scenario from a TOML path or a packaged name; errors name the field."""
    s = str(source)
    if not s.endswith(".toml") and s in packaged_reports():
        text = resources.files("moatlab.report.scenarios").joinpath(f"{s}.toml").read_text(encoding="utf-8")
        doc = loads_toml(text, s, "report scenario file", error=ReportError)
    else:
        doc = load_toml(
            s,
            "report scenario file",
            error=ReportError,
            missing=" (SCENARIO must be a report TOML file or one of " + ", ".join(packaged_reports()) + ")",
        )
    for k in doc:
        if k not in ("title", "summary", "game", "policy", "market"):
            raise ReportError(f"{s}: {k} is not allowed: must be one of title, summary, game, policy, market")
    from ..game.params import GameParams

    def bad(field: str, value: Any, allowed: str) -> ReportError:
        return ReportError(f"{s}: {field} = {fmt_value(value)} is not allowed: must be {allowed}")

    for k in ("title", "summary"):
        if k in doc and not isinstance(doc[k], str):
            raise bad(k, doc[k], "a string")
    for k in ("game", "policy", "market"):
        if k in doc and not isinstance(doc[k], dict):
            raise bad(k, doc[k], f"a table [{k}]")
    game = dict(doc.get("game", {}))
    pol = dict(doc.get("policy", {}))
    for k in pol:
        if k not in ("theta", "penalty", "pmax"):
            raise ReportError(f"{s}: policy.{k} is not allowed: must be one of theta, penalty, pmax")
    theta, pen, pmax = pol.get("theta", 0.6), pol.get("penalty", 0.1), pol.get("pmax", 0.5)
    for k, v in (("theta", theta), ("penalty", pen), ("pmax", pmax)):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise bad(f"policy.{k}", v, "a finite number")
    try:
        GameParams(**_model(game), theta=theta, penalty=pen)
        _bargaining(game)
    except ParameterError as e:
        where = "policy" if e.name in ("theta", "penalty") else "game"
        raise bad(f"{where}.{e.name}", e.value, e.allowed) from None
    except TypeError as e:
        raise ReportError(f"{s}: game: {e}") from None
    if not (pmax >= pen and pmax > 0):
        raise bad("policy.pmax", pmax, "> 0 and >= policy.penalty")
    market = doc.get("market")
    if market is not None:
        for k in market:
            if k not in ("scenarios", "seeds", "periods", "seed"):
                raise ReportError(
                    f"{s}: market.{k} is not allowed: must be one of scenarios, seeds, periods, seed"
                )
        scen = market.get("scenarios", ["baseline"])
        if not (isinstance(scen, list) and scen and all(isinstance(x, str) for x in scen) and len(scen) <= 20):
            raise bad("market.scenarios", scen, "a list of 1 to 20 scenario names or files")
        for k, v, lo, hi in (
            ("seeds", market.get("seeds", 30), 2, 200),
            ("periods", market.get("periods", 72), 2, 1200),
            ("seed", market.get("seed", 0), 0, 2**63 - 1),
        ):
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise bad(f"market.{k}", v, f"an integer in [{lo}, {hi}]")
    return ReportScenario(
        str(doc.get("title", "moatlab policy brief")),
        str(doc.get("summary", "")).strip(),
        game,
        float(theta),
        float(pen),
        float(pmax),
        market,
        s,
    )


@dataclass
class Brief:
    """Everything a brief states: numbers (by key), figures (PNG bytes), tables (HTML)."""

    scenario: ReportScenario
    numbers: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    market: Any = None
    text_pt: dict[str, float] = field(default_factory=dict)  # smallest figure text as printed on A4


PRINT_WIDTH_IN = 7.0  # an A4 page less 15 mm margins is 7.09 in wide; every figure prints at this width
MIN_TEXT_PT = 7.0  # the smallest legible figure text on paper


def _for_print(fig) -> float:
    """Resize a matplotlib figure to the printed page width, raise any text below 8 pt, and return
    the smallest text size (pt) as printed: the image (its tight bounding box) is shown at
    :data:`PRINT_WIDTH_IN`, so a wider image prints smaller."""
    from matplotlib.text import Text

    w, h = fig.get_size_inches()
    fig.set_size_inches(PRINT_WIDTH_IN, h * PRINT_WIDTH_IN / w)
    for t in fig.findobj(Text):
        if t.get_text() and t.get_fontsize() < MIN_TEXT_PT + 1:
            t.set_fontsize(MIN_TEXT_PT + 1)
    try:
        fig.set_layout_engine("constrained")
    except RuntimeError:  # pragma: no cover - a figure with an incompatible engine keeps its own
        pass
    fig.canvas.draw()
    width = fig.get_tightbbox(fig.canvas.get_renderer()).width
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_text() and t.get_visible()]
    return min(sizes) * PRINT_WIDTH_IN / max(width, PRINT_WIDTH_IN)


def _png(fig, b: Brief, key: str) -> bytes:
    from ..plots import figure_bytes

    b.text_pt[key] = _for_print(fig)
    return figure_bytes(fig, "png")


def build_brief(sc: ReportScenario) -> Brief:
    """Compute the brief's numbers and figures with the library's API."""
    from .. import solve
    from ..game.landscape import landscape
    from ..game.quantities import alpha0_closed, region_shares
    from ..plots.game import plot_landscape, plot_omega_free

    b = Brief(sc)
    params = dict(sc.game)
    ds = landscape(np.linspace(0, 1, 201), np.linspace(0, sc.pmax, 201), **params)
    at = landscape([sc.theta], [sc.penalty], **params)
    n = b.numbers
    from ..game.solver import ACTIONS

    n["action"] = ACTIONS[int(at["action"].values.ravel()[0])]
    for k in (
        "omega",
        "omega_free",
        "alpha1",
        "U_G",
        "U_D",
        "surplus",
        "penalty_paid",
        "dU_G_no_regulation",
        "dU_D_no_regulation",
        "dsurplus_no_regulation",
        "dU_G_no_exemption",
        "dU_D_no_exemption",
        "dsurplus_no_exemption",
        "p_star",
        "p_exit",
    ):
        n[k] = float(at[k].values.ravel()[0])
    n.update(region_shares(ds))
    rest = {k: v for k, v in params.items() if k not in ("alpha0", "epsilon")}
    alpha = np.geomspace(0.005, 3, 200)
    eps = sorted({0.0, 0.1, float(params.get("epsilon", 0.0))})
    free = solve(alpha0=alpha, epsilon=eps, **rest)
    n["alpha0_closed"] = alpha0_closed(eps[0], **_model(rest))
    b.figures["landscape"] = (
        "The regulatory landscape: the developer G's action over the policies (θ, p)",
        _png(plot_landscape(ds), b, "landscape"),
    )
    b.figures["omega_free"] = (
        "Without regulation, better models stay closed: unregulated openness ω_free against α0",
        _png(plot_omega_free(free), b, "omega_free"),
    )
    if sc.market:
        b.market = _market(sc.market, b)
    return b


def _market(m: dict[str, Any], b: Brief):
    from ..market.ensemble import run_ensemble, summary
    from ..market.params import make_params
    from ..market.scenario import MarketScenario, load_scenario
    from ..plots.market import plot_bands

    scs = []
    for name in m.get("scenarios", ["baseline"]):
        try:
            sc = load_scenario(name)
        except ValueError as e:
            raise ReportError(f"market.scenarios: {e}") from None
        scs.append(
            MarketScenario(
                sc.name, make_params({"periods": int(m.get("periods", 72))}, base=sc.params), sc.description
            )
        )
    ds = run_ensemble(scs, seeds=int(m.get("seeds", 30)), seed=int(m.get("seed", 0)))
    summ = summary(ds)
    for _, r in summ[summ["metric"].isin(["hhi", "open_share"])].iterrows():
        b.numbers[f"market_{r['scenario']}_{r['metric']}"] = float(r["mean"])
        b.numbers[f"market_{r['scenario']}_{r['metric']}_lo"] = float(r["lo"])
        b.numbers[f"market_{r['scenario']}_{r['metric']}_hi"] = float(r["hi"])
    b.figures["market"] = (
        "Market structure: ensemble means with 95% bands",
        _png(plot_bands(ds, metrics=("hhi", "open_share")), b, "market"),
    )
    return summ


def _num(b: Brief, key: str, fmt: str | None = None, *, size: bool = False) -> str:
    """A stated number: three significant figures unless ``fmt`` says otherwise, with its key. With
    ``size`` it shows the magnitude (the sentence around it says the sign: "gains", "loses")."""
    from ..glossary import sig3

    v = b.numbers[key]
    if isinstance(v, str):
        text = v.replace("_", " ")
    elif v is None or math.isnan(v):
        text = "n/a"
    else:
        shown = abs(v) if size else v
        text = fmt.format(shown) if fmt else sig3(shown)
    attr_key, attr_value = html.escape(key, quote=True), html.escape(str(v), quote=True)
    extra = ' data-shown="magnitude"' if size else ""
    return (
        f'<span class="num" data-key="{attr_key}" data-value="{attr_value}"{extra}>{html.escape(text)}</span>'
    )


def _fig(b: Brief, key: str) -> str:
    caption, png = b.figures[key]
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure data-figure="{html.escape(key, quote=True)}"><img alt="{html.escape(caption, quote=True)}" '
        f'src="data:image/png;base64,{data}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


_CSS = """body{font-family:Georgia,serif;max-width:860px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.92em}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
figure{margin:1em 0;break-inside:avoid}img{width:100%;height:auto}figcaption{font-size:.9em;color:#555}
.num{font-weight:bold}.meta{color:#555;font-size:.9em}
.bottom-line{border-left:5px solid #0072B2;background:#f2f6fa;padding:.6em .9em;font-size:1.08em}
dl.terms{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:0}dl.terms dt{font-weight:bold}
dl.terms dd{margin:0}.robust{color:#333;font-size:.92em}
table{display:block;overflow-x:auto;max-width:100%}code{overflow-wrap:anywhere}
@page{size:A4;margin:15mm}@media print{body{max-width:none;margin:0;padding:0;font-size:10.5pt}}
@media (max-width:600px){dl.terms{grid-template-columns:1fr}dl.terms dd{margin-bottom:.4em}}"""

# the symbols a brief uses, defined (from the shared glossary) before the findings use them
_SYMBOLS = ["G", "D", "theta", "penalty", "pmax", "omega", "omega_free", "U_G", "U_D", "surplus",
            "no_regulation", "no_exemption", "p_star", "p_exit", "pareto", "alpha0", "epsilon"]  # fmt: skip
_MARKET_SYMBOLS = ["hhi", "open_share", "band"]


def robustness(name: str) -> str | None:
    """How robust a finding of the claims registry is (``moatlab.claims.verdicts()``), in words;
    None when the registry or its packaged results are not there."""
    try:
        from ..claims import verdicts

        v = verdicts()
        r = v.loc[name]
    except (ImportError, AttributeError, KeyError, OSError, ValueError):
        return None
    share = r.get("share_holds")
    text = f"Robustness (finding {name} of moatlab's claims registry): {r.get('verdict')}"
    if share is not None and not (isinstance(share, float) and math.isnan(share)):
        text += (
            f"; it holds in {share:.0%} (95% interval {r.get('ci_low'):.0%}–{r.get('ci_high'):.0%}) of "
            f"{r.get('samples')} parameter settings sampled around the defaults"
        )
    boxes = r.get("failure_boxes")
    if boxes and boxes != "none":
        text += f"; {boxes}"
    return text + " (moatlab claims check)."


def _robust(name: str) -> str:
    text = robustness(name)
    return (
        f' <span class="robust" data-claim="{html.escape(name, quote=True)}">{html.escape(text)}</span>'
        if text
        else ""
    )


def _verb(v: float, up: str = "gains", down: str = "loses") -> str:
    return up if v > 0 else down if v < 0 else "keeps"


def bottom_line(b: Brief) -> str:
    """The brief's one-paragraph answer, in words, with its numbers."""
    sc, n = b.scenario, b.numbers
    act = n["action"]
    what = {
        "comply": f"the developer raises its model's openness to the threshold ({_num(b, 'omega')} instead "
        f"of {_num(b, 'omega_free')} without the rule)",
        "defy": f"the developer stays below the threshold, at openness {_num(b, 'omega')}, and pays the penalty",
        "not_binding": f"the rule does not bind: the developer already releases openness {_num(b, 'omega')}",
        "exit": "the developer releases no model at all",
    }[act]
    dg, dd, ds = n["dU_G_no_regulation"], n["dU_D_no_regulation"], n["dsurplus_no_regulation"]
    return (
        f'<p class="bottom-line"><b>Bottom line.</b> Exempting models whose openness reaches {sc.theta:g} '
        f"(on a scale from 0, API only, to 1, fully open) and charging the others a penalty of {sc.penalty:g}: "
        f"{what}. Against no regulation the developer "
        f"{_verb(dg)} {_num(b, 'dU_G_no_regulation', size=True)}, the fine-tuner {_verb(dd)} "
        f"{_num(b, 'dU_D_no_regulation', size=True)} and total surplus "
        f"{'rises' if ds > 0 else 'falls' if ds < 0 else 'stays'} by "
        f"{_num(b, 'dsurplus_no_regulation', size=True)} "
        "(model revenue units; signs, not sizes, are the message).</p>"
    )


def render_html(b: Brief) -> str:
    """The brief as one self-contained HTML document."""
    import importlib.metadata

    from ..glossary import PAPERS, TERMS

    sc = b.scenario
    from ..game.params import NUMERIC, PARAMETERS, GameParams

    gp = GameParams(**_model(sc.game), theta=sc.theta, penalty=sc.penalty)
    rows = "".join(
        f"<tr><td>{html.escape(PARAMETERS[k].symbol)} ({html.escape(k)})</td><td>{getattr(gp, k):g}</td>"
        f"<td>{html.escape(PARAMETERS[k].description)}</td><td>{html.escape(PARAMETERS[k].units)}</td></tr>"
        for k in NUMERIC
    )
    rows += (
        f"<tr><td>penalty form</td><td>{html.escape(str(gp.penalty_form))}</td>"
        f"<td>{html.escape(TERMS['penalty_form'].meaning)}</td><td></td></tr>"
        f"<tr><td>bargaining</td><td>{html.escape(str(sc.game.get('bargaining', 'fixed')))}</td>"
        f"<td>{html.escape(TERMS['bargaining'].meaning)}</td><td></td></tr>"
    )
    symbols = _SYMBOLS + (_MARKET_SYMBOLS if b.market is not None else [])
    terms = "".join(
        f"<dt>{html.escape(TERMS[k].symbol or TERMS[k].name)}</dt>"
        f"<dd>{html.escape(TERMS[k].name) + ': ' if TERMS[k].symbol else ''}"
        f"{html.escape(TERMS[k].meaning)}{'; ' + html.escape(TERMS[k].unit) if TERMS[k].unit else ''}.</dd>"
        for k in symbols
    )
    n = b.numbers
    who = {
        "comply": "G releases at exactly θ to qualify",
        "not_binding": "G's free choice already qualifies",
        "defy": "G stays below θ and pays the penalty",
        "exit": "G does not release",
    }[n["action"]]
    f = [
        f"<li>At θ = {sc.theta:g}, p = {sc.penalty:g}, G's equilibrium action is <b>{_num(b, 'action')}</b>: {who}. "
        f"It releases openness {_num(b, 'omega')} against {_num(b, 'omega_free')} without regulation.</li>",
        f"<li>Against no regulation, the policy changes G's payoff by {_num(b, 'dU_G_no_regulation')}, "
        f"D's by {_num(b, 'dU_D_no_regulation')} and total surplus by "
        f"{_num(b, 'dsurplus_no_regulation')}.</li>",
        f"<li>Against charging every model (no exemption), the changes are {_num(b, 'dU_G_no_exemption')} for G, "
        f"{_num(b, 'dU_D_no_exemption')} for D and {_num(b, 'dsurplus_no_exemption')} in total.</li>",
        f"<li>At this θ, the least penalty that makes G comply is p*(θ) = {_num(b, 'p_star')}; "
        + (f"above p = {_num(b, 'p_exit')} G would rather exit." if math.isfinite(n["p_exit"])
           else "no penalty makes G exit rather than comply (there is no exit boundary).")
        + _robust("P2") + "</li>",
        f"<li>Over the map of policies θ ∈ [0, 1] × p ∈ [0, {sc.pmax:g}]: G complies at "
        f"{_num(b, 'share_comply', '{:.1%}')} of them, defies at {_num(b, 'share_defy', '{:.1%}')}, is not "
        f"bound at {_num(b, 'share_not_binding', '{:.1%}')} and exits at {_num(b, 'share_exit', '{:.1%}')}; "
        f"{_num(b, 'share_pareto_no_exemption', '{:.1%}')} of them make both G and D strictly better off "
        f"than charging every model. These shares are of this map: they depend on its penalty range "
        f"(p_max = {sc.pmax:g}), and a larger p_max gives high penalties more weight." + _robust("P3") + "</li>",
        f"<li>Without regulation (ε = 0), G keeps its model fully closed from α0 = {_num(b, 'alpha0_closed', '{:.4f}')} "
        "on: better models stay closed (the first finding of Qiu et al. 2025)." + _robust("P1") + "</li>",
    ]  # fmt: skip
    market = ""
    if b.market is not None:
        keep = b.market[b.market["metric"].isin(["hhi", "open_share", "active", "consumer_surplus"])]
        from ..glossary import sig3

        trs = "".join(
            f"<tr><td>{html.escape(str(r['scenario']))}</td><td>{html.escape(str(r['metric']))}</td>"
            f"<td>{sig3(r['mean'])}</td><td>{sig3(r['lo'])} to {sig3(r['hi'])}</td></tr>"
            for _, r in keep.iterrows()
        )
        first = [k for k in n if k.startswith("market_") and k.endswith("_hhi")]
        lines = "".join(
            f"<li>{html.escape(k[7:-4])}: HHI {_num(b, k)} "
            f"[{_num(b, k + '_lo')}, {_num(b, k + '_hi')}], open-base share "
            f"{_num(b, k[:-4] + '_open_share')}</li>"
            for k in first
        )
        m = sc.market
        nseeds = m.get("seeds", 30)
        seeds, periods = html.escape(str(nseeds)), html.escape(str(m.get("periods", 72)))
        caveat = (
            ""
            if isinstance(nseeds, int) and nseeds >= 30
            else f" With {seeds} runs, fewer than the 30 that findings need, read these as illustrations."
        )
        market = (
            f"<h2>Market structure</h2><p>An agent-based ensemble of the market of {html.escape(PAPERS['market'])}: "
            f"{seeds} seeded runs per scenario, {periods} months; means over the second half of each run "
            f"with 95% intervals.{caveat}</p><ul>{lines}</ul>"
            + (
                "<p>Claim M3 of moatlab's claims registry, the paper's argument as the simulator tests it: a "
                "rogue open-weights giant (or a leak) raises the share of products on open bases while the "
                f"foundation layer stays highly concentrated (HHI above 2,500).{_robust('M3')}</p>"
                if "rogue_giant" in m.get("scenarios", []) and robustness("M3")
                else ""
            )
            + f"{_fig(b, 'market')}<table><tr><th>scenario</th><th>metric</th><th>mean</th><th>95% interval</th></tr>"
            f"{trs}</table>"
        )
        market_limit = (
            f"<li>The market ensemble uses {seeds} runs per scenario and simplified mechanisms (docs/market.md); "
            "findings about it need 30 or more runs per scenario. A known defect: in the calibrated "
            "simulator start-ups train only with the money raised to train (their own pricing never "
            "chooses to spend more), and its findings on concentration moved when the calibration "
            "gained a funding target (docs/market.md, Limitations).</li>"
        )
    else:
        market_limit = ""
    try:
        version = importlib.metadata.version("moatlab")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        version = "dev"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(sc.title)}</title><style>{_CSS}</style></head>
<body><main>
<h1>{html.escape(sc.title)}</h1>
{bottom_line(b)}
<p class="meta">A moatlab {version} policy brief, generated from <code>{html.escape(sc.source)}</code>.
Every number below is computed by the model; none is typed in. Numbers show three significant figures.</p>
<h2>Who and what</h2>
<p>The model is the openness-regulation game of {html.escape(PAPERS["game"])}. Its symbols:</p>
<dl class="terms">{terms}</dl>
<h2>The question</h2>
<p>{html.escape(sc.summary)}</p>
<h2>Findings</h2>
<ul>{"".join(f)}</ul>
{_fig(b, "landscape")}
{_fig(b, "omega_free")}
{market}
<h2>Parameters</h2>
<table><tr><th>parameter</th><th>value</th><th>meaning</th><th>unit</th></tr>{rows}</table>
<h2>Limitations</h2>
<ul>
<li>The openness game is stylised: one developer G, one fine-tuner D, quadratic costs and the functional forms of
Qiu et al. 2025 (docs/openness-game.md). Its numbers are in model units, not currency; read directions and regions,
not magnitudes.</li>
<li>Parameters are set, not estimated. The landscape shows how the answer depends on θ and p; see
<code>moatlab sweep sensitivity</code> for how much it depends on the model's other parameters.</li>
<li>"Openness" is one number in [0, 1]; real definitions (EU AI Act, OSAID, MOF classes) test components and
licences (docs/measures.md).</li>
{market_limit}
</ul>
<h2>Sources</h2>
<ul><li>{html.escape(PAPERS["game"])}</li>{"<li>" + html.escape(PAPERS["market"]) + "</li>" if b.market is not None else ""}</ul>
</main></body></html>
"""


def write_report(sc: ReportScenario, out: str | os.PathLike, *, force: bool = False) -> Path:
    """Compute and write the brief to ``out`` (atomically).

    An existing file is refused unless ``force`` (then it is replaced whole, never half-written).
    The brief is written to ``<out>.partial`` first and moved into place; the partial file is
    removed whatever stops the write (an error, Ctrl-C, SIGTERM).
    """
    out = Path(out)
    if out.is_dir():
        raise ReportError(f"--out = '{out}' is not allowed: must be a file (a folder of that name exists)")
    if out.exists() and not force:
        raise ReportError(f"--out = '{out}' is not allowed: the file exists (give --force to replace it)")
    text = render_html(build_brief(sc))
    tmp = out.with_name(out.name + ".partial")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    except OSError as e:
        raise ReportError(f"--out = '{out}' is not allowed: must be a writable file ({e.strerror})") from None
    finally:
        if tmp.exists():
            tmp.unlink(missing_ok=True)
    return out


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def print_pdf(html_path: str | os.PathLike) -> Path:
    """Print an HTML brief to PDF beside it with headless Chromium."""
    exe = chromium()
    if exe is None:
        raise ReportError(
            "--pdf is not available: no PDF engine found (install chromium, e.g. apt-get install chromium)"
        )
    src = Path(html_path).resolve()
    pdf = src.with_suffix(".pdf")
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        src.as_uri(),
    ]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if r.returncode != 0 or not pdf.exists():
        raise ReportError(f"--pdf failed: chromium exited with {r.returncode}")
    return pdf
