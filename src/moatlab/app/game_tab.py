"""Openness-game tab (Qiu, Laufer, Kleinberg and Heidari 2025): every parameter, the (θ, p) map of
the developer's action with the Pareto region, and the equilibrium at a clicked policy, said in words."""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

import numpy as np
import plotly.graph_objects as go
from dash import Input, Output, State, callback_context, dcc, html, no_update

from ..errors import MoatlabError
from ..game.landscape import landscape
from ..game.params import NUMERIC, PARAMETERS, PENALTY_FORMS, GameParams
from ..game.solver import ACTIONS
from ..glossary import PAPERS, TERMS, sig3
from .common import (
    OKABE_ITO,
    choice,
    choice_id,
    download_bar,
    empty_figure,
    error_box,
    error_message,
    field,
    graph,
    parse_choice,
    parse_number,
    query,
    register_choice,
    register_click_to_inputs,
    register_upload,
    send_figure,
    send_settings,
    sentence,
    share_link,
    upload_settings,
)

MODEL = [n for n in NUMERIC if n not in ("theta", "penalty")]
KEYS = [*MODEL, "theta", "penalty", "pmax", "penalty_form", "bargaining"]
GRID = 201
GRID_BARGAINING = 101  # bargaining solves ~74 games per policy: a coarser map keeps redraws quick
# Okabe–Ito colours per action; the map also writes each region's name on it.
ACTION_COLOURS = {
    "exit": "#999999",
    "not_binding": OKABE_ITO[1],
    "comply": OKABE_ITO[2],
    "defy": OKABE_ITO[0],
}
RU = "revenue units"
READOUT = [  # key, label, unit
    ("action", "developer's action", ""),
    ("omega", "openness released ω", "0–1"),
    ("omega_free", "unregulated openness ω_free", "0–1"),
    ("alpha1", "fine-tuned performance α1", "perf."),
    ("U_G", "developer's payoff U_G", RU),
    ("U_D", "fine-tuner's payoff U_D", RU),
    ("surplus", "total surplus", RU),
    ("penalty_paid", "penalty paid", RU),
    ("dU_G_no_regulation", "ΔU_G vs no regulation", RU),
    ("dU_D_no_regulation", "ΔU_D vs no regulation", RU),
    ("dsurplus_no_regulation", "Δ surplus vs no regulation", RU),
    ("dU_G_no_exemption", "ΔU_G vs no exemption", RU),
    ("dU_D_no_exemption", "ΔU_D vs no exemption", RU),
    ("dsurplus_no_exemption", "Δ surplus vs no exemption", RU),
]
DEFAULTS: dict[str, Any] = {
    **{n: PARAMETERS[n].default for n in MODEL},
    "alpha0": 0.05,
    "theta": 0.6,
    "penalty": 0.1,
    "pmax": 0.5,
    "penalty_form": "lump_sum",
    "bargaining": "fixed",
}
PENALTY_LABEL = {
    "lump_sum": "penalty p (lump sum, revenue units)",
    "turnover": "penalty p (share of the developer's revenue)",
    "shortfall": "penalty p (per unit of openness shortfall)",
}


def read_params(values: dict[str, Any]) -> tuple[dict[str, Any], float, float, float]:
    """Validate the tab's inputs: (model params incl. penalty_form, θ, p, p_max) or ParameterError."""
    form = parse_choice("penalty_form", values.get("penalty_form") or "lump_sum", PENALTY_FORMS)
    from ..game.bargaining import SOLUTIONS

    bargaining = parse_choice("bargaining", values.get("bargaining") or "fixed", SOLUTIONS)
    params: dict[str, Any] = {"penalty_form": form, "bargaining": bargaining}
    for n in MODEL:
        s = PARAMETERS[n]
        params[n] = parse_number(n, values.get(n), s.lo, s.hi, lo_open=s.lo_open, hi_open=s.hi_open)
    phi = 1.0 if form == "turnover" else 100.0
    pmax = parse_number("p_max", values.get("pmax"), 0, phi, lo_open=True)
    theta = parse_number("theta", values.get("theta"), 0, 1)
    pen = parse_number("penalty", values.get("penalty"), 0, pmax)
    GameParams(**model_params(params), theta=theta, penalty=pen)  # cross-field checks
    return params, theta, pen, pmax


def settings_spec() -> tuple[dict[str, dict[str, str]], dict[str, tuple]]:
    """The tables and keys of the game's settings TOML and the control each key sets."""
    from ..game.bargaining import SOLUTIONS

    sections = {
        "game": {**{n: "number" for n in MODEL}, "penalty_form": "choice", "bargaining": "choice"},
        "policy": {"theta": "number", "penalty": "number", "pmax": "number"},
    }
    controls: dict[str, tuple] = {n: ("value", f"game-{n}") for n in (*MODEL, "theta", "penalty", "pmax")}
    controls["penalty_form"] = ("choice", "game-penalty_form", list(PENALTY_FORMS), False)
    controls["bargaining"] = ("choice", "game-bargaining", list(SOLUTIONS), False)
    return sections, controls


def model_params(params: dict[str, Any]) -> dict[str, Any]:
    """The game's parameters without the bargaining stage's name."""
    return {k: v for k, v in params.items() if k != "bargaining"}


def grid_size(params: dict[str, Any]) -> int:
    return GRID if params.get("bargaining", "fixed") == "fixed" else GRID_BARGAINING


@lru_cache(maxsize=16)
def _compute(items: tuple, pmax: float):
    n = grid_size(dict(items))
    return landscape(np.linspace(0, 1, n), np.linspace(0, pmax, n), **dict(items))


def compute(params: dict[str, Any], pmax: float):
    """The 201 × 201 landscape (cached: moving the selected policy does not recompute it)."""
    return _compute(tuple(sorted(params.items())), float(pmax))


def point(params: dict[str, Any], theta: float, pen: float) -> dict[str, Any]:
    """The equilibrium and welfare changes at one policy (the readout; cached, and the default view's
    is solved at server start by :func:`warm`, so a first page load answers without solving)."""
    return dict(_point(tuple(sorted(params.items())), float(theta), float(pen)))


@lru_cache(maxsize=64)
def _point(items: tuple, theta: float, pen: float) -> dict[str, Any]:
    ds = landscape([theta], [pen], **dict(items))
    out: dict[str, Any] = {}
    for key, _, _ in READOUT:
        v = ds[key].values.ravel()[0]
        out[key] = ACTIONS[int(v)] if key == "action" else float(v)
    out["p_star"] = float(ds["p_star"].values.ravel()[0])
    return out


def fmt(v: Any) -> str:
    """A readout cell: an action's name, or the number to three significant figures."""
    return v.replace("_", " ") if isinstance(v, str) else sig3(v)


def _change(v: float, up: str, down: str) -> str:
    if abs(v) < 5e-13:
        return "is unchanged"
    return f"{up if v > 0 else down} {sig3(abs(v))}"


def describe(eq: dict[str, Any], theta: float, pen: float) -> str:
    """The readout in one or two plain sentences."""
    a = eq["action"]
    w, wf = sig3(eq["omega"]), sig3(eq["omega_free"])
    head = {
        "comply": f"The developer complies: it opens its model to {w} instead of {wf} without the rule, "
        f"to reach the threshold θ = {sig3(theta)}.",
        "defy": f"The developer defies: it stays at openness {w}, below θ = {sig3(theta)}, and pays the "
        f"penalty {sig3(eq['penalty_paid'])}.",
        "not_binding": f"The rule does not bind: the developer releases openness {w}, already at least "
        f"θ = {sig3(theta)}.",
        "exit": "The developer exits: it releases no model, so neither firm earns anything.",
    }[a]
    tail = (
        " Against no regulation, the developer’s payoff "
        f"{_change(eq['dU_G_no_regulation'], 'rises by', 'falls by')}, "
        f"the fine-tuner’s {_change(eq['dU_D_no_regulation'], 'rises by', 'falls by')} and total surplus "
        f"{_change(eq['dsurplus_no_regulation'], 'rises by', 'falls by')} (revenue units)."
    )
    return head + tail


def _regions(act: np.ndarray) -> dict[str, float]:
    return {a: float((act == i).mean()) for i, a in enumerate(ACTIONS)}


def landscape_figure(ds, theta: float, pen: float) -> go.Figure:
    th, pe = ds["theta"].values, ds["penalty"].values
    colours = [ACTION_COLOURS[a] for a in ACTIONS]
    scale = [[(i + (j > 0)) / 4, c] for i, c in enumerate(colours) for j in (0, 1)]
    act = ds["action"].values.T.astype(int)
    names = np.asarray([a.replace("_", " ") for a in ACTIONS], dtype=object)[act]
    fig = go.Figure(
        go.Heatmap(
            x=th,
            y=pe,
            z=act,
            zmin=-0.5,
            zmax=3.5,
            colorscale=scale,
            showscale=False,
            customdata=names,
            hovertemplate="θ = %{x:.3g}<br>p = %{y:.3g}<br>developer: %{customdata}<extra></extra>",
            name="action",
        )
    )
    shares = _regions(act)
    for i, a in enumerate(ACTIONS):  # legend entries and on-map names for the regions present
        if shares[a] == 0:
            continue
        share = f"{shares[a]:.0%}" if shares[a] >= 0.005 else "<1%"
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=f"{a.replace('_', ' ')} ({share} of the map)",
                marker={"size": 12, "symbol": "square", "color": ACTION_COLOURS[a]},
            )
        )
        if shares[a] >= 0.03:  # name the region where it lies (colour is not the only cue)
            jj, ii = np.nonzero(act == i)
            k = int(np.argmin((jj - jj.mean()) ** 2 + (ii - ii.mean()) ** 2))
            fig.add_annotation(
                x=th[ii[k]],
                y=pe[jj[k]],
                text=a.replace("_", " "),
                showarrow=False,
                font={"size": 13, "color": "black"},
                bgcolor="rgba(255,255,255,0.75)",
            )
    # 0/1 as int8: Plotly ships it as a base64 typed array 8 times smaller than float64's
    par = ds["pareto_strict_no_exemption"].values.T.astype(np.int8)
    if par.any():
        fig.add_trace(
            go.Contour(
                x=th,
                y=pe,
                z=par,
                contours={"start": 0.5, "end": 0.5, "size": 1, "coloring": "none"},
                line={"color": "black", "width": 3, "dash": "dot"},
                showscale=False,
                hoverinfo="skip",
                name=f"Pareto-improving vs no exemption ({par.mean():.0%}), inside the dotted line",
                showlegend=True,
            )
        )
    ps, px = ds["p_star"].values, ds["p_exit"].values
    if np.isfinite(ps).any():
        fig.add_trace(
            go.Scatter(
                x=th,
                y=np.where(ps <= pe.max(), ps, np.nan),
                mode="lines",
                name="indifference curve p*(θ)",
                line={"color": "black", "width": 2},
            )
        )
    if np.isfinite(px).any():
        fig.add_trace(
            go.Scatter(
                x=th,
                y=np.where(px <= pe.max(), px, np.nan),
                mode="lines",
                name="exit boundary",
                line={"color": "black", "width": 2, "dash": "dash"},
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[theta],
            y=[pen],
            mode="markers",
            name="selected policy",
            marker={"size": 14, "symbol": "x", "color": "black", "line": {"width": 2, "color": "white"}},
        )
    )
    a0 = ds.attrs.get("alpha0")
    fig.update_layout(
        title={
            "text": f"Developer's action over (θ, p): α0 = {a0:g}, {ds.attrs.get('penalty_form')}"
            + (
                f", {ds.attrs['bargaining']} bargaining"
                if ds.attrs.get("bargaining", "fixed") != "fixed"
                else ""
            ),
            "font": {"size": 14},
        },
        xaxis_title="open-source threshold θ",
        yaxis_title=PENALTY_LABEL[ds.attrs.get("penalty_form", "lump_sum")],
        margin={"l": 60, "r": 10, "t": 40, "b": 50},
        height=520,
        legend={"font": {"size": 11}, "orientation": "h", "y": -0.18, "x": 0},
        uirevision="landscape",
        clickmode="event",
    )
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(range=[0, float(pe.max())])
    return fig


def free_dataset(params: dict[str, Any]):
    from .. import solve

    alpha = np.geomspace(0.005, 3, 120)
    eps = sorted({0.0, float(params["epsilon"])})
    rest = {k: v for k, v in params.items() if k not in ("alpha0", "epsilon")}
    return solve(alpha0=alpha, epsilon=eps, **rest)


def free_figure(params: dict[str, Any]) -> go.Figure:
    ds = free_dataset(params)
    fig = go.Figure()
    for i, e in enumerate(ds["epsilon"].values):
        fig.add_trace(
            go.Scatter(
                x=ds["alpha0"].values,
                y=ds["omega_free"].sel(epsilon=e).values,
                mode="lines",
                name=f"reputational benefit ε = {e:g}",
                line={"color": OKABE_ITO[4 + i], "dash": ["solid", "dash"][i % 2], "width": 2},
            )
        )
    fig.add_vline(x=params["alpha0"], line={"dash": "dot", "color": "grey"})
    fig.update_layout(
        title={"text": "Without regulation, better models stay closed: ω_free vs α0", "font": {"size": 14}},
        xaxis={"type": "log", "title": "baseline performance α0 (log scale)"},
        yaxis={"title": "unregulated openness ω_free", "range": [-0.02, 1.02]},
        height=330,
        margin={"l": 60, "r": 10, "t": 40, "b": 50},
        legend={"orientation": "h", "y": -0.3, "x": 0},
    )
    return fig


def _bargaining_choice(value: str) -> list:
    from ..game.bargaining import SOLUTIONS

    return [
        choice(
            "game-bargaining",
            "bargaining",
            [(s, s.replace("_", " ")) for s in SOLUTIONS],
            value if value in SOLUTIONS else "fixed",
        )
    ]


def layout(initial: dict[str, Any]) -> html.Div:
    v = {**DEFAULTS, **{k: initial[k] for k in initial if k in DEFAULTS}}
    policy = [
        field("game-theta", "theta", v["theta"], "[0, 1]"),
        field("game-penalty", "penalty", v["penalty"], "[0, p_max]"),
        field("game-pmax", "pmax", v["pmax"], "(0, 100]"),
        choice(
            "game-penalty_form",
            "penalty_form",
            [(f, f.replace("_", " ")) for f in PENALTY_FORMS],
            v["penalty_form"] if v["penalty_form"] in PENALTY_FORMS else "lump_sum",
        ),
        *_bargaining_choice(v.get("bargaining", "fixed")),
    ]
    model = [field(f"game-{n}", n, v[n], PARAMETERS[n].allowed) for n in MODEL]
    readout = html.Table(
        [
            html.Caption("Equilibrium at the selected policy", className="visually-hidden"),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Th(lab, scope="row", title=TERMS[key].tip if key in TERMS else None),
                            html.Td("", id=f"game-out-{key}"),
                            html.Td(unit, className="unit"),
                        ]
                    )
                    for key, lab, unit in READOUT
                ]
            ),
        ],
        className="readout",
    )
    return html.Div(
        [
            html.Div(
                [
                    html.H2("The openness game"),
                    html.P(
                        [
                            "A developer releases a model, a fine-tuner adapts it; a rule exempts models at "
                            "least θ open and charges the others p. From ",
                            html.Cite(PAPERS["game"]),
                            ".",
                        ],
                        className="hint",
                    ),
                    html.H3("Policy"),
                    *policy,
                    html.H3("Model"),
                    *model,
                    html.P("Click the map to pick a policy (θ, p).", className="hint"),
                ],
                className="inputs",
            ),
            html.Div(
                [
                    sentence("game"),
                    error_box("game-error"),
                    graph("game-landscape", "Map of the developer's action over policies (θ, p)"),
                    download_bar(
                        "game",
                        [
                            ("png", "map PNG"),
                            ("svg", "map SVG"),
                            ("csv", "map CSV"),
                            ("free-png", "ω_free PNG"),
                            ("toml", "settings TOML"),
                            ("brief", "brief from this view (HTML)"),
                        ],
                    ),
                    upload_settings("game"),
                    html.Div(id="game-timing", className="timing"),
                    graph("game-free", "Unregulated openness against baseline performance"),
                ],
                className="main",
            ),
            html.Div(
                [
                    html.H3("Equilibrium at the selected policy"),
                    readout,
                    share_link("game"),
                ],
                className="side",
            ),
            dcc.Store(id="game-store"),
            dcc.Store(id="game-addr"),
        ],
        className="tab-body",
    )


def register(app) -> None:
    from ..game.bargaining import SOLUTIONS

    register_choice(app, "game-penalty_form", list(PENALTY_FORMS))
    register_choice(app, "game-bargaining", list(SOLUTIONS))
    inputs = [Input(f"game-{n}", "value") for n in KEYS[:-2]] + [
        Input(choice_id("game-penalty_form"), "data"),
        Input(choice_id("game-bargaining"), "data"),
    ]

    @app.callback(
        Output("game-error", "children"),
        Output("game-sentence", "children"),
        Output("game-store", "data"),
        Output("game-share", "href"),
        *[Output(f"game-dl-{k}", "disabled") for k in ("png", "svg", "csv", "free-png", "toml", "brief")],
        *[Output(f"game-out-{k}", "children") for k, _, _ in READOUT],
        inputs,
    )
    def update_readout(*vals):
        values = dict(zip(KEYS, vals, strict=True))
        try:
            params, theta, pen, pmax = read_params(values)
        except MoatlabError as e:  # errors clear the stale result and disable the downloads
            return (error_message(e), "", None, no_update, *[True] * 6, *[""] * len(READOUT))
        eq = point(params, theta, pen)
        store = {**params, "theta": theta, "penalty": pen, "pmax": pmax}
        return (
            "",
            describe(eq, theta, pen),
            store,
            query("game", store),
            *[False] * 6,
            *[fmt(eq[k]) for k, _, _ in READOUT],
        )

    @app.callback(
        Output("game-landscape", "figure"),
        Output("game-free", "figure"),
        Output("game-timing", "children"),
        inputs,
    )
    def update_maps(*vals):
        t0 = time.perf_counter()
        try:
            params, theta, pen, pmax = read_params(dict(zip(KEYS, vals, strict=True)))
        except MoatlabError:
            return empty_figure("fix the value above to redraw"), empty_figure(), ""
        trig = {t["prop_id"].split(".")[0] for t in callback_context.triggered}
        fig = landscape_figure(compute(params, pmax), theta, pen)
        free = no_update if trig and trig <= {"game-theta", "game-penalty"} else free_figure(params)
        ms = (time.perf_counter() - t0) * 1e3
        n = grid_size(params)
        return fig, free, f"solved {n} × {n} policies in {ms:.0f} ms on the server"

    register_click_to_inputs(app, "game-landscape", "game-theta", "game-penalty")
    register_upload(app, "game", *settings_spec(), validate=read_params)

    @app.callback(
        Output("game-download", "data"),
        *[Input(f"game-dl-{k}", "n_clicks") for k in ("png", "svg", "csv", "free-png", "toml", "brief")],
        State("game-store", "data"),
        prevent_initial_call=True,
    )
    def download(*args):
        store, which = args[-1], callback_context.triggered_id
        if not store or which is None:
            return no_update
        try:  # the store comes from the client: check it again
            params, theta, pen, pmax = read_params(store)
        except MoatlabError:
            return no_update
        policy = {"theta": theta, "penalty": pen, "pmax": pmax}
        if which == "game-dl-toml":
            return send_settings("game", {"game": params, "policy": policy})
        if which == "game-dl-brief":
            from ..report import ReportScenario, build_brief, render_html

            sc = ReportScenario(
                "Policy brief from the explorer",
                f"The openness game at the policy θ = {sig3(theta)}, p = {sig3(pen)}, "
                "as set in the explorer.",
                params,
                theta,
                pen,
                pmax,
                None,
                "the explorer",
            )
            return {"content": render_html(build_brief(sc)), "filename": "moatlab-brief.html"}
        if which == "game-dl-free-png":
            from ..plots.game import plot_omega_free

            return send_figure(plot_omega_free(free_dataset(params)), "png", "omega_free")
        ds = compute(params, pmax)
        if which == "game-dl-csv":
            keep = ["action", "omega", "U_G", "U_D", "surplus", "dU_G_no_regulation",
                    "dU_D_no_regulation", "dsurplus_no_regulation", "dsurplus_no_exemption",
                    "pareto_strict_no_exemption"]  # fmt: skip
            df = ds[keep].to_dataframe().reset_index()
            df.insert(2, "action_name", np.asarray(ACTIONS, dtype=object)[df["action"].to_numpy(int)])
            return dcc.send_data_frame(df.to_csv, "landscape.csv", index=False)
        from ..plots.game import plot_landscape

        return send_figure(plot_landscape(ds), "png" if which == "game-dl-png" else "svg", "landscape")


def warm() -> None:
    """Compile and cache the default view (the first page load then answers at once)."""
    params = {k: DEFAULTS[k] for k in (*MODEL, "penalty_form", "bargaining")}
    point(params, DEFAULTS["theta"], DEFAULTS["penalty"])
    landscape_figure(compute(params, DEFAULTS["pmax"]), DEFAULTS["theta"], DEFAULTS["penalty"]).to_json()
    free_figure(params).to_json()
