"""The moatlab explorer: a local Dash app for people who do not write Python.

Tabs: the openness game (every parameter, the (θ, p) landscape, the equilibrium at a clicked
policy, ω_free vs α0), the race model, the market simulator (small ensembles with bands; when
Mesa is installed) and the openness of real models (FMTI, MOF, EOSAI from a data folder).
Every figure downloads as PNG/SVG, every table as CSV; the URL carries the current settings,
and each tab exports them as a TOML file.

Why Dash: the explorer is a set of inputs wired to numpy/xarray computations and interactive
plots. Dash's callbacks express exactly that, run in one local Flask process with no compile
step, give click/hover events on Plotly figures (needed to pick a policy on the map), file
downloads (``dcc.Download``) and URL state (``dcc.Location``) out of the box, and the server is
an ordinary WSGI app that tests can start on a free port. Streamlit reruns the whole script on
every change, which is too slow for instant landscape updates. Panel would also fit, but its
Bokeh stack adds more moving parts than we need.
"""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).parent / "assets"


def create_app(data: str | None = None):
    """Build the Dash app (not started). ``data``: default folder of the measures tab."""
    import dash
    from dash import Input, Output, dcc, html, no_update

    from . import game_tab, market_tab, measures_tab, race_tab
    from .common import parse_query

    app = dash.Dash(
        __name__,
        title="moatlab explorer",
        assets_folder=str(ASSETS),
        suppress_callback_exceptions=True,
        update_title=None,
    )
    with_market = market_tab.market_available()
    data_dir = measures_tab.default_data(data)

    tabs = [
        dcc.Tab(label="Openness game", value="game", id="tab-game", children=game_tab.layout({})),
        dcc.Tab(label="Race", value="race", id="tab-race", children=race_tab.race_layout({})),
    ]
    if with_market:
        tabs.append(
            dcc.Tab(label="Market", value="market", id="tab-market", children=market_tab.market_layout({}))
        )
    tabs.append(
        dcc.Tab(
            label="Real models",
            value="measures",
            id="tab-measures",
            children=measures_tab.measures_layout({}, data_dir),
        )
    )
    app.layout = html.Div(
        [
            dcc.Location(id="url", refresh=False),
            html.Header(
                [
                    html.H1("moatlab explorer"),
                    html.Span(
                        "the economics of AI openness: regulation, races, market structure, real models",
                        className="subtitle",
                    ),
                ]
            ),
            dcc.Tabs(id="tabs", value="game", children=tabs),
        ]
    )

    @app.callback(Output("tabs", "value"), Input("url", "search"))
    def pick_tab(search):
        tab = parse_query(search).get("tab")
        return tab if tab in {t.value for t in tabs} else no_update

    game_tab.register(app)
    race_tab.register_race(app)
    if with_market:
        market_tab.register_market(app)
    measures_tab.register_measures(app)
    return app


def serve(host: str = "127.0.0.1", port: int = 8050, data: str | None = None) -> None:
    """Start the explorer on ``host:port`` (blocks until interrupted)."""
    create_app(data).run(host=host, port=port, debug=False)
