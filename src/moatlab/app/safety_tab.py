"""Safety tab (Laufer, Kleinberg and Heidari, “The Backfiring Effect of Weak AI Safety Regulation”):
safety floors on the developer and on the fine-tuner, where they backfire and where both gain."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import plotly.graph_objects as go
from dash import Input, Output, State, callback_context, dcc, html, no_update

from ..errors import MoatlabError
from ..glossary import PAPERS, sig3
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
    send_settings,
    sentence,
    share_link,
    upload_settings,
)

GRID = 61
FIELDS = [  # name, label, default, lo, hi, tooltip
    ("theta_g", "developer's safety floor θ_G", 0.0, 0, 10, "least safety the developer's model must have"),
    (
        "theta_d",
        "fine-tuner's safety floor θ_D",
        0.45,
        0,
        10,
        "least safety the fine-tuned product must have",
    ),
    ("c0_aa", "developer's cost of performance", 1.0, 1e-6, 1e6, "C0's performance term (> 0)"),
    (
        "c0_ab",
        "developer's cross cost",
        0.0,
        -1e6,
        1e6,
        "C0's cross term: below 0 the attributes help each other",
    ),
    ("c0_bb", "developer's cost of safety", 1.0, 1e-6, 1e6, "C0's safety term (> 0)"),
    ("c1_aa", "fine-tuner's cost of performance", 1.0, 1e-6, 1e6, "C1's performance term (> 0)"),
    ("c1_ab", "fine-tuner's cross cost", 0.0, -1e6, 1e6, "C1's cross term"),
    ("c1_bb", "fine-tuner's cost of safety", 1.0, 1e-6, 1e6, "C1's safety term (> 0)"),
    ("r_a", "market value of performance r_a", 1.0, 0, 1e6, "revenue per unit of the product's performance"),
    ("r_b", "market value of safety r_b", 1.0, 0, 1e6, "revenue per unit of the product's safety"),
    ("delta", "developer's revenue share δ", 0.5, 0, 1, "G's share of the revenue (bargained if chosen)"),
    ("top", "top of the map's floors", 1.0, 0.01, 10, "the largest floor the map shows on each axis"),
]
KEYS = [f[0] for f in FIELDS] + ["bargaining"]
RU = "revenue units"
READ = [
    ("beta1", "product's safety β1", "safety"),
    ("beta1_free", "β1 without floors", "safety"),
    ("d_beta1", "change in safety", "safety"),
    ("alpha1", "product's performance α1", "perf."),
    ("U_G", "developer's payoff U_G", RU),
    ("U_D", "fine-tuner's payoff U_D", RU),
    ("U_G_free", "U_G without floors", RU),
    ("U_D_free", "U_D without floors", RU),
    ("delta_used", "share δ used", "0–1"),
]
REGIONS = [  # code, name, colour
    (0, "no product", "#BBBBBB"),
    (1, "neither", "#FFFFFF"),
    (2, "backfiring", OKABE_ITO[5]),
    (3, "mutualism", OKABE_ITO[2]),
    (4, "backfiring and mutualism", OKABE_ITO[0]),
]


def safety_available() -> bool:
    try:
        import moatlab.safety  # noqa: F401
        from moatlab.game.bargaining import SOLUTIONS  # noqa: F401
    except ImportError:
        return False
    return True


def solutions() -> list[str]:
    from ..game.bargaining import SOLUTIONS

    return list(SOLUTIONS)


def read_safety(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, _, _, lo, hi, _ in FIELDS:
        out[name] = parse_number(name, values.get(name), lo, hi)
    out["bargaining"] = parse_choice("bargaining", values.get("bargaining") or "fixed", solutions())
    for m in ("c0", "c1"):
        aa, ab, bb = out[f"{m}_aa"], out[f"{m}_ab"], out[f"{m}_bb"]
        if not abs(ab) < np.sqrt(aa * bb):
            from ..errors import ParameterError

            raise ParameterError(f"{m}_ab", ab, f"in (-{sig3(np.sqrt(aa * bb))}, {sig3(np.sqrt(aa * bb))})")
    return out


def _model(p: dict[str, Any]) -> dict[str, Any]:
    return {k: p[k] for k in p if k not in ("top", "bargaining", "theta_g", "theta_d")}


@lru_cache(maxsize=8)
def _grid(items: tuple, top: float, bargaining: str):
    from ..safety import grid

    axis = np.linspace(0, top, GRID)
    return grid(bargaining=bargaining, theta_g=axis, theta_d=axis, **dict(items))


def point(p: dict[str, Any]) -> dict[str, Any]:
    from ..safety import solve_arrays

    res = solve_arrays(bargaining=p["bargaining"], theta_g=p["theta_g"], theta_d=p["theta_d"], **_model(p))
    return {k: np.asarray(v).ravel()[0] for k, v in res.items()}


def regions(ds) -> np.ndarray:
    from ..safety import STRATEGIES

    abstain = STRATEGIES.index("abstain")
    none = (ds["G_strategy"].values == abstain) | (ds["D_strategy"].values == abstain)
    b, m = ds["backfiring"].values.astype(bool), ds["mutualism"].values.astype(bool)
    return np.where(none, 0, np.where(b & m, 4, np.where(b, 2, np.where(m, 3, 1))))


def figure(ds, p) -> go.Figure:
    code = regions(ds).T  # rows: θ_D (y), columns: θ_G (x)
    x, y = ds["theta_g"].values, ds["theta_d"].values
    scale = [[(i + (j > 0)) / 5, c] for i, (_, _, c) in enumerate(REGIONS) for j in (0, 1)]
    names = np.asarray([n for _, n, _ in REGIONS], dtype=object)[code]
    fig = go.Figure(
        go.Heatmap(x=x, y=y, z=code, zmin=-0.5, zmax=4.5, colorscale=scale, showscale=False, customdata=names,
                   hovertemplate="θ_G = %{x:.3g}<br>θ_D = %{y:.3g}<br>%{customdata}<extra></extra>")
    )  # fmt: skip
    for c, n, col in REGIONS:
        share = float((code == c).mean())
        if share == 0:
            continue
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=f"{n} ({share:.0%})",
                                 marker={"size": 12, "symbol": "square", "color": col,
                                         "line": {"color": "black", "width": 1}}))  # fmt: skip
        if share >= 0.03:
            jj, ii = np.nonzero(code == c)
            k = int(np.argmin((jj - jj.mean()) ** 2 + (ii - ii.mean()) ** 2))
            fig.add_annotation(x=x[ii[k]], y=y[jj[k]], text=n, showarrow=False, font={"size": 13},
                               bgcolor="rgba(255,255,255,0.75)")  # fmt: skip
    fig.add_trace(go.Scatter(x=[p["theta_g"]], y=[p["theta_d"]], mode="markers", name="selected floors",
                             marker={"size": 14, "symbol": "x", "color": "black"}))  # fmt: skip
    fig.update_layout(
        title={"text": f"Where safety floors backfire ({p['bargaining']} share)", "font": {"size": 14}},
        xaxis_title="developer's floor θ_G",
        yaxis_title="fine-tuner's floor θ_D",
        height=500,
        margin={"l": 60, "r": 10, "t": 40, "b": 50},
        legend={"orientation": "h", "y": -0.18, "x": 0},
        clickmode="event",
    )
    fig.update_xaxes(range=[0, p["top"]])
    fig.update_yaxes(range=[0, p["top"]])
    return fig


def describe(p: dict[str, Any], r: dict[str, Any]) -> str:
    from ..safety import STRATEGIES

    floors = f"With floors θ_G = {sig3(p['theta_g'])} and θ_D = {sig3(p['theta_d'])}"
    if STRATEGIES[int(r["G_strategy"])] == "abstain" or STRATEGIES[int(r["D_strategy"])] == "abstain":
        return floors + ", no product is made: a player abstains."
    d = float(r["d_beta1"])
    how = (
        f"the floors backfire: a floor binds and the product ends up less safe ({sig3(r['beta1'])} against "
        f"{sig3(r['beta1_free'])} without floors)"
        if bool(r["backfiring"])
        else f"the product's safety is {sig3(r['beta1'])} against {sig3(r['beta1_free'])} without floors"
        + (" (raised)" if d > 0 else " (unchanged)" if d == 0 else "")
    )
    both = " Both firms gain over no floors (mutualism)." if bool(r["mutualism"]) else ""
    return f"{floors}, {how}.{both}"


def safety_layout(initial: dict[str, Any]) -> html.Div:
    fields = []
    for name, _, default, lo, hi, _ in FIELDS:
        key = "safety_top" if name == "top" else name
        fields.append(field(f"safety-{name}", key, initial.get(name, default), f"[{lo:g}, {hi:g}]"))
    sols = solutions()
    barg = initial.get("bargaining", "fixed")
    fields.append(choice("safety-bargaining", "bargaining", [(s, s.replace("_", " ")) for s in sols],
                         barg if barg in sols else "fixed"))  # fmt: skip
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Safety floors"),
                    html.P(
                        [
                            "Minimum-safety rules on a model's developer and on its fine-tuner. From ",
                            html.Cite(PAPERS["safety"]),
                            ".",
                        ],
                        className="hint",
                    ),  # fmt: skip
                    *fields,
                    html.P("Click the map to pick the floors.", className="hint"),
                ],
                className="inputs",
            ),
            html.Div(
                [
                    sentence("safety"),
                    error_box("safety-error"),
                    graph("safety-figure", "Where safety floors backfire and where both firms gain"),
                    download_bar("safety", [("toml", "settings TOML")]),
                    upload_settings("safety"),
                ],
                className="main",
            ),
            html.Div(
                [
                    html.H3("At the selected floors"),
                    html.Table(
                        [
                            html.Caption("Readout at the selected floors", className="visually-hidden"),
                            html.Tbody(
                                [
                                    html.Tr(
                                        [
                                            html.Th(lab, scope="row"),
                                            html.Td(id=f"safety-out-{k}"),
                                            html.Td(u, className="unit"),
                                        ]
                                    )
                                    for k, lab, u in READ
                                ]
                            ),  # fmt: skip
                        ],
                        className="readout",
                    ),
                    share_link("safety"),
                ],
                className="side",
            ),
            dcc.Store(id="safety-store"),
            dcc.Store(id="safety-addr"),
        ],
        className="tab-body",
    )


def register_safety(app) -> None:
    register_choice(app, "safety-bargaining", solutions())
    register_upload(
        app,
        "safety",
        {"safety": {**{k: "number" for k in KEYS[:-1]}, "bargaining": "choice"}},
        {
            **{k: ("value", f"safety-{k}") for k in KEYS[:-1]},
            "bargaining": ("choice", "safety-bargaining", solutions(), False),
        },
        validate=read_safety,
    )
    inputs = [Input(f"safety-{k}", "value") for k in KEYS[:-1]] + [
        Input(choice_id("safety-bargaining"), "data")
    ]

    @app.callback(
        Output("safety-figure", "figure"),
        Output("safety-error", "children"),
        Output("safety-sentence", "children"),
        Output("safety-store", "data"),
        Output("safety-share", "href"),
        Output("safety-dl-toml", "disabled"),
        *[Output(f"safety-out-{k}", "children") for k, _, _ in READ],
        inputs,
    )
    def update(*vals):
        try:
            p = read_safety(dict(zip(KEYS, vals, strict=True)))
            if max(p["theta_g"], p["theta_d"]) > p["top"]:
                from ..errors import ParameterError

                raise ParameterError(
                    "floor", max(p["theta_g"], p["theta_d"]), f"at most the map's top {p['top']:g}"
                )
            ds = _grid(tuple(sorted(_model(p).items())), p["top"], p["bargaining"])
            r = point(p)
        except MoatlabError as e:
            return (empty_figure("fix the value above to redraw"), error_message(e), "", None, no_update,
                    True, *[""] * len(READ))  # fmt: skip
        return (figure(ds, p), "", describe(p, r), p, query("safety", p), False,
                *[sig3(float(r[k])) for k, _, _ in READ])  # fmt: skip

    register_click_to_inputs(app, "safety-figure", "safety-theta_g", "safety-theta_d")

    @app.callback(
        Output("safety-download", "data"),
        Input("safety-dl-toml", "n_clicks"),
        State("safety-store", "data"),
        prevent_initial_call=True,
    )
    def download(_, store):
        if not store or callback_context.triggered_id is None:
            return no_update
        try:
            p = read_safety(store)
        except MoatlabError:
            return no_update
        return send_settings("safety", {"safety": p})
