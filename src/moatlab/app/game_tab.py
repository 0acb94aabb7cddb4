"""Openness-game tab: every parameter, the (θ, p) landscape, the equilibrium at a clicked policy."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import plotly.graph_objects as go
from dash import Input, Output, State, callback_context, dcc, html, no_update

from .._validate import ParameterError
from ..game.landscape import landscape
from ..game.params import NUMERIC, PARAMETERS, PENALTY_FORMS, GameParams
from ..game.solver import ACTIONS
from ..plots.game import ACTION_COLOURS, PENALTY_LABEL
from .common import (
    download_bar,
    error_box,
    number_field,
    parse_number,
    parse_query,
    query,
    send_figure,
    send_settings,
)

MODEL = [n for n in NUMERIC if n not in ("theta", "penalty")]
GRID = 201
READOUT = [
    ("action", "G's action"), ("omega", "openness released ω"), ("omega_free", "unregulated openness ω_free"),
    ("alpha1", "fine-tuned performance α1"), ("U_G", "U_G (generalist)"), ("U_D", "U_D (specialist)"),
    ("surplus", "total surplus"), ("penalty_paid", "penalty paid"),
    ("dU_G_no_regulation", "ΔU_G vs no regulation"), ("dU_D_no_regulation", "ΔU_D vs no regulation"),
    ("dsurplus_no_regulation", "Δ surplus vs no regulation"),
    ("dU_G_no_exemption", "ΔU_G vs no exemption"), ("dU_D_no_exemption", "ΔU_D vs no exemption"),
    ("dsurplus_no_exemption", "Δ surplus vs no exemption"),
]  # fmt: skip
DEFAULTS: dict[str, Any] = {
    **{n: PARAMETERS[n].default for n in MODEL},
    "alpha0": 0.05,
    "theta": 0.6,
    "penalty": 0.1,
    "pmax": 0.5,
    "penalty_form": "lump_sum",
}


def read_params(values: dict[str, Any]) -> tuple[dict[str, Any], float, float, float]:
    """Validate the tab's inputs: (model params incl. penalty_form, θ, p, p_max) or ParameterError."""
    form = values.get("penalty_form") or "lump_sum"
    if form not in PENALTY_FORMS:
        raise ParameterError("penalty_form", form, "one of " + ", ".join(PENALTY_FORMS))
    params: dict[str, Any] = {"penalty_form": form}
    for n in MODEL:
        s = PARAMETERS[n]
        params[n] = parse_number(n, values.get(n), s.lo, s.hi, lo_open=s.lo_open, hi_open=s.hi_open)
    phi = 1.0 if form == "turnover" else 100.0
    pmax = parse_number("p_max", values.get("pmax"), 0, phi, lo_open=True)
    theta = parse_number("theta", values.get("theta"), 0, 1)
    pen = parse_number("penalty", values.get("penalty"), 0, pmax)
    GameParams(**params, theta=theta, penalty=pen)  # cross-field checks
    return params, theta, pen, pmax


def compute(params: dict[str, Any], pmax: float):
    return landscape(np.linspace(0, 1, GRID), np.linspace(0, pmax, GRID), **params)


def point(params: dict[str, Any], theta: float, pen: float) -> dict[str, Any]:
    """The equilibrium and welfare changes at one policy (the readout)."""
    ds = landscape([theta], [pen], **params)
    out: dict[str, Any] = {}
    for key, _ in READOUT:
        v = ds[key].values.ravel()[0]
        out[key] = ACTIONS[int(v)] if key == "action" else float(v)
    return out


def fmt(v: Any) -> str:
    if isinstance(v, str):
        return v.replace("_", " ")
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.6f}"


def landscape_figure(ds, theta: float, pen: float) -> go.Figure:
    th, pe = ds["theta"].values, ds["penalty"].values
    colours = [ACTION_COLOURS[a] for a in ACTIONS]
    scale = [[(i + (j > 0)) / 4, c] for i, c in enumerate(colours) for j in (0, 1)]
    act = ds["action"].values.T.astype(int)
    names = np.asarray(ACTIONS, dtype=object)[act]
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
            hovertemplate="θ = %{x:.3f}<br>p = %{y:.4f}<br>G: %{customdata}<extra></extra>",
            name="action",
        )
    )
    for a in ACTIONS:  # legend entries for the regions present
        if (act == ACTIONS.index(a)).any():
            fig.add_trace(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="markers",
                    name=a.replace("_", " "),
                    marker={"size": 12, "symbol": "square", "color": ACTION_COLOURS[a]},
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
            marker={"size": 14, "symbol": "x", "color": "black", "line": {"width": 2}},
        )
    )
    a0 = ds.attrs.get("alpha0")
    fig.update_layout(
        title={
            "text": f"G's action over (θ, p): α0 = {a0:g}, {ds.attrs.get('penalty_form')}",
            "font": {"size": 14},
        },
        xaxis_title="open-source threshold θ",
        yaxis_title=PENALTY_LABEL[ds.attrs.get("penalty_form", "lump_sum")],
        margin={"l": 60, "r": 10, "t": 40, "b": 50},
        height=470,
        legend={"font": {"size": 11}},
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
    for e in ds["epsilon"].values:
        fig.add_trace(
            go.Scatter(
                x=ds["alpha0"].values,
                y=ds["omega_free"].sel(epsilon=e).values,
                mode="lines",
                name=f"ε = {e:g}",
            )
        )
    fig.add_vline(x=params["alpha0"], line={"dash": "dot", "color": "grey"})
    fig.update_layout(
        title={"text": "Unregulated openness ω_free vs α0", "font": {"size": 14}},
        xaxis={"type": "log", "title": "baseline performance α0 (log)"},
        yaxis={"title": "ω_free", "range": [-0.02, 1.02]},
        height=330,
        margin={"l": 60, "r": 10, "t": 40, "b": 50},
    )
    return fig


def _field(name: str, label: str, value: Any, allowed: str) -> html.Div:
    return number_field(f"game-{name}", label, value, allowed)


def layout(initial: dict[str, Any]) -> html.Div:
    v = {**DEFAULTS, **{k: initial[k] for k in initial if k in DEFAULTS}}
    fields = [_field(n, f"{PARAMETERS[n].symbol} ({n})", v[n], PARAMETERS[n].allowed) for n in MODEL]
    fields += [
        _field("theta", "selected θ", v["theta"], "[0, 1]"),
        _field("penalty", "selected p", v["penalty"], "[0, p_max]"),
        _field("pmax", "p_max (map's top)", v["pmax"], "(0, 100]"),
        html.Div(
            [
                html.Label("penalty form", htmlFor="game-penalty_form"),
                dcc.Dropdown(list(PENALTY_FORMS), v["penalty_form"], id="game-penalty_form", clearable=False),
            ],
            className="field",
        ),
    ]
    readout = html.Table(
        [
            html.Tbody(
                [html.Tr([html.Th(label), html.Td("", id=f"game-out-{key}")]) for key, label in READOUT]
            )
        ],
        className="readout",
    )
    return html.Div(
        [
            html.Div(
                [
                    html.H3("Parameters"),
                    *fields,
                    html.P("Click the map to pick a policy (θ, p).", className="hint"),
                ],
                className="inputs",
            ),
            html.Div(
                [
                    error_box("game-error"),
                    dcc.Graph(id="game-landscape", config={"displaylogo": False}),
                    download_bar(
                        "game",
                        [
                            ("png", "landscape PNG"),
                            ("svg", "landscape SVG"),
                            ("csv", "landscape CSV"),
                            ("free-png", "ω_free PNG"),
                            ("toml", "settings TOML"),
                        ],
                    ),
                    html.Div(id="game-timing", className="timing"),
                    dcc.Graph(id="game-free", config={"displaylogo": False}),
                ],
                className="main",
            ),
            html.Div(
                [
                    html.H3("Equilibrium at the selected policy"),
                    readout,
                    html.A("link to these settings", id="game-share", href="", className="share"),
                ],
                className="side",
            ),
            dcc.Store(id="game-store"),
        ],
        className="tab-body",
    )


def register(app) -> None:
    inputs = [Input(f"game-{n}", "value") for n in (*MODEL, "theta", "penalty", "pmax", "penalty_form")]
    keys = [*MODEL, "theta", "penalty", "pmax", "penalty_form"]

    @app.callback(
        Output("game-landscape", "figure"),
        Output("game-free", "figure"),
        Output("game-error", "children"),
        Output("game-store", "data"),
        Output("game-timing", "children"),
        *[Output(f"game-out-{k}", "children") for k, _ in READOUT],
        inputs,
    )
    def update(*vals):
        t0 = time.perf_counter()
        values = dict(zip(keys, vals, strict=True))
        try:
            params, theta, pen, pmax = read_params(values)
        except ParameterError as e:
            return (no_update, no_update, str(e), no_update, no_update, *[no_update] * len(READOUT))
        trig = {t["prop_id"].split(".")[0] for t in callback_context.triggered}
        ds = compute(params, pmax)
        eq = point(params, theta, pen)
        fig = landscape_figure(ds, theta, pen)
        free = no_update if trig and trig <= {"game-theta", "game-penalty"} else free_figure(params)
        store = {**{k: params[k] for k in params}, "theta": theta, "penalty": pen, "pmax": pmax}
        ms = (time.perf_counter() - t0) * 1e3
        return (
            fig,
            free,
            "",
            store,
            f"solved 201 × 201 policies in {ms:.0f} ms on the server",
            *[fmt(eq[k]) for k, _ in READOUT],
        )

    @app.callback(
        Output("game-theta", "value"),
        Output("game-penalty", "value"),
        Input("game-landscape", "clickData"),
        prevent_initial_call=True,
    )
    def pick(click):
        if not click or not click.get("points"):
            return no_update, no_update
        p = click["points"][0]
        return f"{p['x']:.4g}", f"{p['y']:.4g}"

    @app.callback(
        Output("game-download", "data"),
        *[Input(f"game-dl-{k}", "n_clicks") for k in ("png", "svg", "csv", "free-png", "toml")],
        State("game-store", "data"),
        prevent_initial_call=True,
    )
    def download(*args):
        store = args[-1]
        which = callback_context.triggered_id
        if not store or which is None:
            return no_update
        params = {k: store[k] for k in (*MODEL, "penalty_form")}
        if which == "game-dl-toml":
            policy = {"theta": store["theta"], "penalty": store["penalty"]}
            return send_settings("game", {"game": params, "policy": policy})
        if which == "game-dl-free-png":
            from ..plots.game import plot_omega_free

            return send_figure(plot_omega_free(free_dataset(params)), "png", "omega_free")
        ds = compute(params, store["pmax"])
        if which == "game-dl-csv":
            keep = [
                "action",
                "omega",
                "U_G",
                "U_D",
                "surplus",
                "dU_G_no_regulation",
                "dU_D_no_regulation",
                "dsurplus_no_regulation",
                "dsurplus_no_exemption",
            ]
            df = ds[keep].to_dataframe().reset_index()
            return dcc.send_data_frame(df.to_csv, "landscape.csv", index=False)
        from ..plots.game import plot_landscape

        return send_figure(plot_landscape(ds), "png" if which == "game-dl-png" else "svg", "landscape")

    @app.callback(Output("game-share", "href"), inputs)
    def share(*vals):
        return query("game", dict(zip(keys, vals, strict=True)))

    @app.callback(
        *[Output(f"game-{k}", "value", allow_duplicate=True) for k in keys],
        Input("url", "search"),
        prevent_initial_call="initial_duplicate",
    )
    def load(search):
        args = parse_query(search)
        if args.get("tab") != "game":
            return [no_update] * len(keys)
        return [args.get(k, no_update) for k in keys]
