"""Real-models tab: openness scores of real models and who is exempt under each definition."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from dash import Input, Output, State, callback_context, dash_table, dcc, html, no_update

from .common import (
    download_bar,
    error_box,
    parse_query,
    query,
    send_figure,
)


def default_data(data: str | os.PathLike | None = None) -> str:
    if data:
        return str(data)
    if os.environ.get("MOATLAB_DATA"):
        return os.environ["MOATLAB_DATA"]
    guess = Path.cwd().parent / "shared" / "data"
    if guess.is_dir():
        return str(guess)
    from ..measures._io import PACKAGED_DATA

    return str(PACKAGED_DATA)


def measures_layout(initial: dict[str, Any], data: str) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.H3("Openness of real models"),
                    html.Div(
                        [
                            html.Label("data folder (FMTI, MOF, EOSAI)", htmlFor="measures-path"),
                            dcc.Input(
                                id="measures-path",
                                type="text",
                                value=initial.get("data", data),
                                debounce=True,
                                className="path",
                            ),
                        ],
                        className="field",
                    ),
                    html.P(
                        "Read from where it lies; moatlab never copies or downloads it.", className="hint"
                    ),
                ],
                className="inputs",
            ),
            html.Div(
                [
                    error_box("measures-error"),
                    dcc.Loading(dcc.Graph(id="measures-figure", config={"displaylogo": False})),
                    download_bar("measures", [("png", "PNG"), ("svg", "SVG"), ("csv", "CSV")]),
                    html.A("link to these settings", id="measures-share", href="", className="share"),
                    html.Div(id="measures-table"),
                ],
                className="main",
            ),
        ],
        className="tab-body two",
    )


def measures_compute(path: str):
    from .. import measures

    cat = measures.load_catalogue(path)
    return measures.openness_table(cat.profiles(), lists=cat.lists), list(measures.DEFINITIONS)


def _measures_figure(table, defs) -> go.Figure:
    answers = [("qualifies", "#33a02c"), ("does not", "#e31a1c"), ("cannot tell", "#bdbdbd")]
    fig = go.Figure(
        [
            go.Bar(x=defs, y=[int((table[d] == a).sum()) for d in defs], name=a, marker_color=c)
            for a, c in answers
        ]
    )
    fig.update_layout(
        barmode="stack",
        height=400,
        yaxis_title="models",
        margin={"l": 50, "r": 10, "t": 40, "b": 40},
        title={
            "text": f"Who counts as open? {len(table)} model entries under each definition",
            "font": {"size": 14},
        },
    )
    return fig


def register_measures(app) -> None:
    @app.callback(
        Output("measures-figure", "figure"),
        Output("measures-table", "children"),
        Output("measures-error", "children"),
        Input("measures-path", "value"),
    )
    def update(path):
        if not path:
            return (
                go.Figure(),
                no_update,
                "data folder = '' is not allowed: must be a folder with FMTI/MOF/EOSAI data",
            )
        try:
            table, defs = measures_compute(path)
        except (OSError, ValueError) as e:
            return no_update, no_update, str(e).splitlines()[0]
        cols = [{"name": c, "id": c} for c in table.columns]
        dt = dash_table.DataTable(
            table.round(3).to_dict("records"),
            cols,
            id="measures-datatable",
            page_size=15,
            sort_action="native",
            filter_action="native",
            style_table={"overflowX": "auto"},
        )
        return _measures_figure(table, defs), dt, ""

    @app.callback(Output("measures-path", "value"), Input("url", "search"))
    def load(search):
        args = parse_query(search)
        return args["data"] if args.get("tab") == "measures" and "data" in args else no_update

    @app.callback(Output("measures-share", "href"), Input("measures-path", "value"))
    def share(path):
        return query("measures", {"data": path})

    @app.callback(
        Output("measures-download", "data"),
        *[Input(f"measures-dl-{k}", "n_clicks") for k in ("png", "svg", "csv")],
        State("measures-path", "value"),
        prevent_initial_call=True,
    )
    def download(*args):
        path, which = args[-1], callback_context.triggered_id
        try:
            table, defs = measures_compute(path)
        except (OSError, ValueError):
            return no_update
        if which == "measures-dl-csv":
            return dcc.send_data_frame(table.to_csv, "openness_of_models.csv", index=False)
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
        bottom = np.zeros(len(defs))
        for a, c in (("qualifies", "#33a02c"), ("does not", "#e31a1c"), ("cannot tell", "#bdbdbd")):
            h = np.array([(table[d] == a).sum() for d in defs])
            ax.bar(defs, h, bottom=bottom, color=c, label=a)
            bottom += h
        ax.set_ylabel("models")
        ax.set_title(f"Who counts as open? {len(table)} model entries")
        ax.legend()
        ax.tick_params(axis="x", rotation=20)
        return send_figure(fig, "png" if which == "measures-dl-png" else "svg", "measures")
