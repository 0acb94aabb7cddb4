"""Race tab (the essay “How do open AI models affect incentive to race?”): a closed lab's return to
an upgrade against the open frontier."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
from dash import Input, Output, State, callback_context, dcc, html, no_update

from ..errors import MoatlabError
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
    register_upload,
    send_figure,
    send_settings,
    sentence,
    share_link,
    upload_settings,
)

RACE_FIELDS = [  # name, default, (lo, hi, lo_open, integer)
    ("n", 100, (0, 1e9, True, False)),
    ("m", 365, (1, 100_000, False, True)),
    ("closed", 4.0, (0, 1e12, True, False)),
    ("open", 1.0, (0, 1e12, False, False)),
    ("z", 20.0, (0, 1e12, True, False)),
    ("cost", 1.0, (0, 1e12, False, False)),
]
KEYS = [f[0] for f in RACE_FIELDS] + ["family"]
READ = [  # key, label, unit
    ("revenue", "revenue without the upgrade", "$"),
    ("revenue_with", "revenue with the upgrade", "$"),
    ("cost", "cost of the upgrade", "$"),
    ("value", "upgrade value V (net of its cost)", "$"),
    ("marginal", "marginal incentive dR/dz", "$ per unit"),
]


def read_race(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, _, (lo, hi, lo_open, integer) in RACE_FIELDS:
        out[name] = parse_number(name, values.get(name), lo, hi, lo_open=lo_open, integer=integer)
    out["family"] = parse_choice("family", values.get("family") or "log", ("log", "power"))
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


def describe(p: dict[str, Any], at: dict[str, float]) -> str:
    v = at["value"]
    verdict = (
        f"pays: it adds {sig3(v)} $ net of its cost"
        if v > 0
        else f"does not pay: it loses {sig3(-v)} $ net of its cost"
        if v < 0
        else "breaks even"
    )
    return (
        f"With the open frontier at x = {sig3(p['open'])} and the closed model at y = {sig3(p['closed'])}, "
        f"upgrading to z = {sig3(p['z'])} {verdict} over {int(p['m'])} days "
        f"(revenue {sig3(at['revenue'])} $ → {sig3(at['revenue_with'])} $, "
        f"upgrade cost {sig3(at['cost'])} $)."
    )


def race_layout(initial: dict[str, Any]) -> html.Div:
    fields = []
    for name, default, (lo, hi, lo_open, _) in RACE_FIELDS:
        allowed = f"{'(' if lo_open else '['}{lo:g}, {hi:g}]"
        fields.append(field(f"race-{name}", name, initial.get(name, default), allowed))
    fam = initial.get("family", "log")
    fields.append(
        choice(
            "race-family",
            "family",
            [("log", "logarithmic"), ("power", "power")],
            fam if fam in ("log", "power") else "log",
        )
    )
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Race"),
                    html.P(
                        [
                            "Is it worth it for a closed lab to upgrade when an open model catches up? From ",
                            html.Cite(PAPERS["race"]),
                            ".",
                        ],
                        className="hint",
                    ),
                    *fields,
                ],
                className="inputs",
            ),
            html.Div(
                [
                    sentence("race"),
                    error_box("race-error"),
                    graph("race-figure", "Closed-lab revenue and upgrade value against the open frontier"),
                    download_bar(
                        "race", [("png", "PNG"), ("svg", "SVG"), ("csv", "CSV"), ("toml", "settings TOML")]
                    ),
                    upload_settings("race"),
                ],
                className="main",
            ),
            html.Div(
                [
                    html.H3("At the open frontier x"),
                    html.Table(
                        [
                            html.Caption("Readout at the open frontier x", className="visually-hidden"),
                            html.Tbody(
                                [
                                    html.Tr(
                                        [
                                            html.Th(
                                                lab, scope="row", title=TERMS[k].tip if k in TERMS else None
                                            ),
                                            html.Td(id=f"race-out-{k}"),
                                            html.Td(unit, className="unit"),
                                        ]
                                    )
                                    for k, lab, unit in READ
                                ]
                            ),
                        ],
                        className="readout",
                    ),
                    share_link("race"),
                ],
                className="side",
            ),
            dcc.Store(id="race-store"),
            dcc.Store(id="race-addr"),
        ],
        className="tab-body",
    )


def _race_figure(ds, p) -> go.Figure:
    x = ds["open_compute"].values
    fig = go.Figure(
        [
            go.Scatter(
                x=x,
                y=ds["revenue"].isel(upgrade_to=0).values,
                name="revenue without the upgrade",
                mode="lines",
                line={"color": OKABE_ITO[4], "width": 2},
            ),
            go.Scatter(
                x=x,
                y=ds["revenue_with"].isel(upgrade_to=0).values,
                name=f"revenue with the upgrade to z = {p['z']:g}",
                mode="lines",
                line={"dash": "dash", "color": OKABE_ITO[5], "width": 2},
            ),
            go.Scatter(
                x=x,
                y=ds["value"].isel(upgrade_to=0).values,
                name="upgrade value V (net of cost)",
                mode="lines",
                line={"dash": "dot", "color": OKABE_ITO[7], "width": 2},
            ),
        ]
    )
    if p["open"] > 0:
        fig.add_vline(x=p["open"], line={"dash": "dot", "color": "grey"})
    fig.update_layout(
        title={"text": "Closed-lab revenue and upgrade value vs the open frontier", "font": {"size": 14}},
        xaxis={"type": "log", "title": "open-frontier compute x (log scale)"},
        yaxis_title="$ over the horizon",
        height=470,
        margin={"l": 60, "r": 10, "t": 40, "b": 50},
        legend={"orientation": "h", "y": -0.2, "x": 0},
    )
    return fig


def register_race(app) -> None:
    register_choice(app, "race-family", ["log", "power"])
    register_upload(
        app,
        "race",
        {"race": {**{k: "number" for k in KEYS[:-1]}, "family": "choice"}},
        {
            **{k: ("value", f"race-{k}") for k in KEYS[:-1]},
            "family": ("choice", "race-family", ["log", "power"], False),
        },
        validate=read_race,
    )
    inputs = [Input(f"race-{k}", "value") for k in KEYS[:-1]] + [Input(choice_id("race-family"), "data")]

    @app.callback(
        Output("race-figure", "figure"),
        Output("race-error", "children"),
        Output("race-sentence", "children"),
        Output("race-store", "data"),
        Output("race-share", "href"),
        *[Output(f"race-dl-{k}", "disabled") for k in ("png", "svg", "csv", "toml")],
        *[Output(f"race-out-{k}", "children") for k, _, _ in READ],
        inputs,
    )
    def update(*vals):
        try:
            p = read_race(dict(zip(KEYS, vals, strict=True)))
            ds, at = race_compute(p)
        except MoatlabError as e:  # clear the stale result
            return (empty_figure("fix the value above to redraw"), error_message(e), "", None, no_update,
                    *[True] * 4, *[""] * len(READ))  # fmt: skip
        return (_race_figure(ds, p), "", describe(p, at), p, query("race", p), *[False] * 4,
                *[sig3(at[k]) for k, _, _ in READ])  # fmt: skip

    @app.callback(
        Output("race-download", "data"),
        *[Input(f"race-dl-{k}", "n_clicks") for k in ("png", "svg", "csv", "toml")],
        State("race-store", "data"),
        prevent_initial_call=True,
    )
    def download(*args):
        store, which = args[-1], callback_context.triggered_id
        if not store or which is None:
            return no_update
        try:
            p = read_race(store)
        except MoatlabError:
            return no_update
        if which == "race-dl-toml":
            return send_settings("race", {"race": p})
        ds, _ = race_compute(p)
        if which == "race-dl-csv":
            df = ds[["revenue", "revenue_with", "value"]].isel(upgrade_to=0).to_dataframe().reset_index()
            return dcc.send_data_frame(df.to_csv, "race.csv", index=False)
        from ..plots.race import plot_revenue_vs_open

        return send_figure(plot_revenue_vs_open(ds), "png" if which == "race-dl-png" else "svg", "race")
