"""Race tab: a lab's return to an upgrade against the open frontier."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
from dash import Input, Output, State, callback_context, dcc, html, no_update

from .._validate import ParameterError
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

RACE_FIELDS = [  # name, label, default, (lo, hi, lo_open, integer)
    ("n", "customers n", 100, (0, np.inf, True, False)),
    ("m", "horizon m (days)", 365, (1, 100_000, False, True)),
    ("closed", "closed model compute y", 4.0, (0, np.inf, True, False)),
    ("open", "open frontier compute x", 1.0, (0, np.inf, False, False)),
    ("z", "upgrade to z", 20.0, (0, np.inf, True, False)),
    ("cost", "cost per unit of compute", 1.0, (0, np.inf, False, False)),
]


def read_race(values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, _, _, (lo, hi, lo_open, integer) in RACE_FIELDS:
        out[name] = parse_number(name, values.get(name), lo, hi, lo_open=lo_open, integer=integer)
    fam = values.get("family") or "log"
    if fam not in ("log", "power"):
        raise ParameterError("family", fam, "log or power")
    out["family"] = fam
    return out


def race_compute(p: dict[str, Any]):
    from ..race import RaceModel
    from ..race.analysis import sweep

    model = RaceModel(
        f=p["family"], n=p["n"], m=int(p["m"]), open=p["open"], closed=p["closed"], cost_per_unit=p["cost"]
    )
    hi = 4 * max(p["closed"], p["z"])
    grid = np.unique(np.concatenate([np.geomspace(hi / 1e3, hi, 160), [p["open"]] if p["open"] > 0 else []]))
    ds = sweep(model, open_compute=grid, upgrade_to=[p["z"]])
    at = sweep(model, open_compute=[p["open"]], upgrade_to=[p["z"]])
    return ds, {
        k: float(at[k].values.ravel()[0]) for k in ("revenue", "revenue_with", "value", "cost", "marginal")
    }


def race_layout(initial: dict[str, Any]) -> html.Div:
    fields = []
    for name, label, default, (lo, hi, lo_open, _) in RACE_FIELDS:
        top = "∞)" if np.isinf(hi) else f"{hi:g}]"
        allowed = f"{'(' if lo_open else '['}{lo:g}, {top}"
        fields.append(number_field(f"race-{name}", label, initial.get(name, default), allowed))
    fields.append(
        html.Div(
            [
                html.Label("value curve f", htmlFor="race-family"),
                dcc.Dropdown(
                    ["log", "power"], initial.get("family", "log"), id="race-family", clearable=False
                ),
            ],
            className="field",
        )
    )
    read = [
        ("revenue", "revenue without the upgrade"),
        ("revenue_with", "revenue with the upgrade"),
        ("cost", "cost of the upgrade"),
        ("value", "upgrade value V"),
        ("marginal", "marginal incentive dR/dz"),
    ]
    return html.Div(
        [
            html.Div([html.H3("Race (the race essay)"), *fields], className="inputs"),
            html.Div(
                [
                    error_box("race-error"),
                    dcc.Graph(id="race-figure", config={"displaylogo": False}),
                    download_bar(
                        "race", [("png", "PNG"), ("svg", "SVG"), ("csv", "CSV"), ("toml", "settings TOML")]
                    ),
                ],
                className="main",
            ),
            html.Div(
                [
                    html.H3("At the open frontier x"),
                    html.Table(
                        [
                            html.Tbody(
                                [html.Tr([html.Th(lab), html.Td(id=f"race-out-{k}")]) for k, lab in read]
                            )
                        ],
                        className="readout",
                    ),
                    html.A("link to these settings", id="race-share", href="", className="share"),
                ],
                className="side",
            ),
            dcc.Store(id="race-store"),
        ],
        className="tab-body",
    )


def _race_figure(ds, p) -> go.Figure:
    x = ds["open_compute"].values
    fig = go.Figure(
        [
            go.Scatter(
                x=x, y=ds["revenue"].isel(upgrade_to=0).values, name="revenue without upgrade", mode="lines"
            ),
            go.Scatter(
                x=x,
                y=ds["revenue_with"].isel(upgrade_to=0).values,
                name=f"with upgrade to z = {p['z']:g}",
                mode="lines",
                line={"dash": "dash"},
            ),
            go.Scatter(x=x, y=ds["value"].isel(upgrade_to=0).values, name="upgrade value V", mode="lines"),
        ]
    )
    fig.add_vline(x=p["open"], line={"dash": "dot", "color": "grey"}) if p["open"] > 0 else None
    fig.update_layout(
        title={"text": "Closed-lab revenue and upgrade value vs the open frontier", "font": {"size": 14}},
        xaxis={"type": "log", "title": "open-frontier compute x (log)"},
        yaxis_title="$ over the horizon",
        height=470,
        margin={"l": 60, "r": 10, "t": 40, "b": 50},
    )
    return fig


def register_race(app) -> None:
    keys = [f[0] for f in RACE_FIELDS] + ["family"]
    inputs = [Input(f"race-{k}", "value") for k in keys]
    outs = ("revenue", "revenue_with", "cost", "value", "marginal")

    @app.callback(
        Output("race-figure", "figure"),
        Output("race-error", "children"),
        Output("race-store", "data"),
        *[Output(f"race-out-{k}", "children") for k in outs],
        inputs,
    )
    def update(*vals):
        try:
            p = read_race(dict(zip(keys, vals, strict=True)))
            ds, at = race_compute(p)
        except ParameterError as e:
            return (no_update, str(e), no_update, *[no_update] * len(outs))
        return (_race_figure(ds, p), "", p, *[f"{at[k]:,.4f}" for k in outs])

    @app.callback(
        Output("race-download", "data"),
        *[Input(f"race-dl-{k}", "n_clicks") for k in ("png", "svg", "csv", "toml")],
        State("race-store", "data"),
        prevent_initial_call=True,
    )
    def download(*args):
        p, which = args[-1], callback_context.triggered_id
        if not p or which is None:
            return no_update
        if which == "race-dl-toml":
            return send_settings("race", {"race": p})
        ds, _ = race_compute(p)
        if which == "race-dl-csv":
            df = ds[["revenue", "revenue_with", "value"]].isel(upgrade_to=0).to_dataframe().reset_index()
            return dcc.send_data_frame(df.to_csv, "race.csv", index=False)
        from ..plots.race import plot_revenue_vs_open

        return send_figure(plot_revenue_vs_open(ds), "png" if which == "race-dl-png" else "svg", "race")

    @app.callback(Output("race-share", "href"), inputs)
    def share(*vals):
        return query("race", dict(zip(keys, vals, strict=True)))

    @app.callback(*[Output(f"race-{k}", "value") for k in keys], Input("url", "search"))
    def load(search):
        args = parse_query(search)
        if args.get("tab") != "race":
            return [no_update] * len(keys)
        return [args.get(k, no_update) for k in keys]
