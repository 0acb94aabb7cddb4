"""Race, market and measures tabs of the explorer (each calls the models; none holds model logic)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from dash import Input, Output, State, callback_context, dash_table, dcc, html, no_update

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

# --- race -------------------------------------------------------------------------------------

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
        from ..plots_race import plot_revenue_vs_open

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


# --- market -------------------------------------------------------------------------------------


def market_available() -> bool:
    try:
        import mesa  # noqa: F401
    except ImportError:
        return False
    return True


def market_layout(initial: dict[str, Any]) -> html.Div:
    from ..market.scenario import packaged

    names = sorted(packaged())
    chosen = [s for s in str(initial.get("scenarios", "baseline,rogue_giant")).split(",") if s in names]
    return html.Div(
        [
            html.Div(
                [
                    html.H3("Market (Azoulay et al. 2024)"),
                    html.Div(
                        [
                            html.Label("scenarios", htmlFor="market-scenarios"),
                            dcc.Dropdown(names, chosen or ["baseline"], id="market-scenarios", multi=True),
                        ],
                        className="field",
                    ),
                    number_field(
                        "market-seeds", "seeds per scenario", initial.get("seeds", 5), "[2, 30]", False
                    ),
                    number_field("market-periods", "months", initial.get("periods", 60), "[12, 240]", False),
                    html.Button("Run ensemble", id="market-run", n_clicks=0, className="run"),
                    html.P(
                        "Small ensembles for a quick look; claims need 30 seeds (moatlab market compare).",
                        className="hint",
                    ),
                ],
                className="inputs",
            ),
            html.Div(
                [
                    error_box("market-error"),
                    dcc.Loading(dcc.Graph(id="market-figure", config={"displaylogo": False})),
                    download_bar(
                        "market",
                        [("png", "PNG"), ("svg", "SVG"), ("csv", "summary CSV"), ("toml", "settings TOML")],
                    ),
                    html.A("link to these settings", id="market-share", href="", className="share"),
                    html.Div(id="market-table"),
                ],
                className="main",
            ),
            dcc.Store(id="market-store"),
        ],
        className="tab-body two",
    )


def read_market(scenarios, seeds, periods) -> tuple[list[str], int, int]:
    if not scenarios:
        raise ParameterError("scenarios", "none", "at least one packaged scenario")
    return (
        list(scenarios),
        int(parse_number("seeds", seeds, 2, 30, integer=True)),
        int(parse_number("months", periods, 12, 240, integer=True)),
    )


def market_compute(scenarios: list[str], seeds: int, periods: int):
    from ..market.ensemble import run_ensemble, summary
    from ..market.params import make_params
    from ..market.scenario import MarketScenario, load_scenario

    scs = []
    for name in scenarios:
        sc = load_scenario(name)
        scs.append(MarketScenario(sc.name, make_params({"periods": periods}, base=sc.params), sc.description))
    ds = run_ensemble(scs, seeds=seeds, seed=0)
    return ds, summary(ds)


def _market_figure(ds) -> go.Figure:
    from plotly.subplots import make_subplots

    from ..market.ensemble import bands

    b = bands(ds[["hhi", "open_share"]])
    fig = make_subplots(rows=1, cols=2, subplot_titles=("HHI of foundation-layer revenue", "open-base share"))
    t = ds.period.values
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    for i, sc in enumerate(ds.scenario.values):
        c = palette[i % len(palette)]
        for j, m in enumerate(("hhi", "open_share"), start=1):
            lo, hi = b[f"{m}_lo"].sel(scenario=sc).values, b[f"{m}_hi"].sel(scenario=sc).values
            fig.add_trace(
                go.Scatter(
                    x=np.concatenate([t, t[::-1]]),
                    y=np.concatenate([hi, lo[::-1]]),
                    fill="toself",
                    fillcolor=c,
                    opacity=0.2,
                    line={"width": 0},
                    showlegend=False,
                    hoverinfo="skip",
                ),
                row=1,
                col=j,
            )
            fig.add_trace(
                go.Scatter(
                    x=t, y=b[m].sel(scenario=sc).values, name=str(sc), line={"color": c}, showlegend=j == 1
                ),
                row=1,
                col=j,
            )
    fig.update_layout(
        height=430,
        margin={"l": 50, "r": 10, "t": 50, "b": 40},
        title={"text": f"ensemble means with 95% bands ({ds.sizes['seed']} seeds)", "font": {"size": 14}},
    )
    fig.update_xaxes(title_text="month")
    return fig


def register_market(app) -> None:
    @app.callback(
        Output("market-figure", "figure"),
        Output("market-table", "children"),
        Output("market-error", "children"),
        Output("market-store", "data"),
        Output("market-share", "href"),
        Input("market-run", "n_clicks"),
        State("market-scenarios", "value"),
        State("market-seeds", "value"),
        State("market-periods", "value"),
        prevent_initial_call=True,
    )
    def run(_, scenarios, seeds, periods):
        try:
            names, n, T = read_market(scenarios, seeds, periods)
        except ParameterError as e:
            return no_update, no_update, str(e), no_update, no_update
        ds, summ = market_compute(names, n, T)
        show = summ[summ["metric"].isin(["hhi", "open_share", "active", "consumer_surplus", "growth"])]
        table = dash_table.DataTable(
            show.round(4).to_dict("records"),
            [{"name": c, "id": c} for c in show.columns],
            id="market-datatable",
            style_table={"overflowX": "auto"},
        )
        return (
            _market_figure(ds),
            table,
            "",
            {"scenarios": names, "seeds": n, "periods": T},
            query("market", {"scenarios": ",".join(names), "seeds": n, "periods": T}),
        )

    @app.callback(
        Output("market-scenarios", "value"),
        Output("market-seeds", "value"),
        Output("market-periods", "value"),
        Input("url", "search"),
    )
    def load(search):
        args = parse_query(search)
        if args.get("tab") != "market":
            return no_update, no_update, no_update
        return (
            args["scenarios"].split(",") if "scenarios" in args else no_update,
            args.get("seeds", no_update),
            args.get("periods", no_update),
        )

    @app.callback(
        Output("market-download", "data"),
        *[Input(f"market-dl-{k}", "n_clicks") for k in ("png", "svg", "csv", "toml")],
        State("market-store", "data"),
        prevent_initial_call=True,
    )
    def download(*args):
        p, which = args[-1], callback_context.triggered_id
        if not p or which is None:
            return no_update
        if which == "market-dl-toml":
            return send_settings("market", {"market": p})
        ds, summ = market_compute(p["scenarios"], p["seeds"], p["periods"])
        if which == "market-dl-csv":
            return dcc.send_data_frame(summ.to_csv, "market_summary.csv", index=False)
        from ..plots_market import plot_bands

        return send_figure(plot_bands(ds), "png" if which == "market-dl-png" else "svg", "market_bands")


# --- measures -----------------------------------------------------------------------------------


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
