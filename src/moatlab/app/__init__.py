"""The moatlab explorer: a local Dash app for people who do not write Python.

Tabs: the openness game (every parameter, the (θ, p) map, the equilibrium at a clicked policy in
words), the race model, the market simulator (ensembles run in the background with progress and
cancel; when Mesa is installed) and the openness of real models (FMTI, MOF, EOSAI). A tab computes
only once it is opened. The address bar always holds the current view's settings (a copy button
copies it); opening such a link restores the view and computes it once. Every figure downloads
as PNG/SVG, every table as CSV, the settings as TOML, and the game's view as a policy brief.

Why Dash: the explorer is a set of inputs wired to numpy/xarray computations and interactive
plots. Dash's callbacks express exactly that, run in one local Flask process with no compile
step, give click/hover events on Plotly figures (needed to pick a policy on the map), file
downloads, URL state and background jobs with progress and cancel (``DiskcacheManager``) out of
the box, and the server is an ordinary WSGI app that tests can start on a free port. Streamlit
reruns the whole script on every change, which is too slow for instant landscape updates. Panel
would also fit, but its Bokeh stack adds more moving parts than we need.

Accessibility: the page declares its language, has banner/navigation/main landmarks, tabs are
buttons (keyboard-reachable, ``role="tab"`` with ``aria-selected``), every input has a label and a
tooltip from :mod:`moatlab.glossary`, colours are Okabe–Ito's with a second cue (names on the map,
patterns on bars, line styles), and the layout reflows to one column on a phone.
"""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).parent / "assets"
MAX_REQUEST_BYTES = 1024 * 1024
TABS = [
    ("game", "Openness game"),
    ("safety", "Safety floors"),
    ("race", "Race"),
    ("market", "Market"),
    ("measures", "Real models"),
]

INDEX = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""

_ADDRESS = """function(href) {
    var panel = document.getElementById('panel-%s');
    if (href && panel && !panel.hidden) { window.history.replaceState(null, '', href); }
    return href || '';
}"""

_SWITCH = """function(state) {
    if (!state) { return window.dash_clientside.no_update; }
    var link = document.getElementById(state.current + '-share');
    var href = link && link.getAttribute('href');
    window.history.replaceState(null, '', href || ('?tab=' + state.current));
    return state.current;
}"""

_COPY = """function(n) {
    if (!n) { return window.dash_clientside.no_update; }
    var url = window.location.href;
    if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).catch(function () {});
    } else {
        var t = document.createElement('textarea');
        t.value = url; document.body.appendChild(t); t.select();
        try { document.execCommand('copy'); } catch (e) {}
        t.remove();
    }
    return 'Link copied: ' + url;
}"""


def create_app(data: str | None = None):
    """Build the Dash app (not started). ``data``: the only data folder the real-models tab reads
    (besides the packaged snapshot)."""
    import dash
    from dash import Input, Output, State, callback_context, dcc, html, no_update

    from . import game_tab, market_tab, measures_tab, race_tab, safety_tab
    from .common import parse_query

    app = dash.Dash(
        __name__,
        title="moatlab explorer",
        assets_folder=str(ASSETS),
        suppress_callback_exceptions=True,
        update_title=None,
        index_string=INDEX,
    )
    # no request may be larger than this (the largest the page sends is an uploaded settings file's
    # head, under 100 KB): Flask refuses bigger bodies before reading them
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    with_market = market_tab.market_available()
    data_dir = measures_tab.default_data(data)
    available = {"market": with_market, "safety": safety_tab.safety_available()}
    tabs = [(k, lab) for k, lab in TABS if available.get(k, True)]
    keys = [k for k, _ in tabs]
    builders = {
        "game": game_tab.layout,
        "race": race_tab.race_layout,
        "market": market_tab.market_layout,
        "safety": safety_tab.safety_layout,
        "measures": lambda initial: measures_tab.measures_layout(initial, data_dir),
    }

    app.layout = html.Div(
        [
            dcc.Location(id="url", refresh=False),
            html.Header(
                [
                    html.H1("moatlab explorer"),
                    html.P(
                        "the economics of AI openness: regulation, races, market structure, real models",
                        className="subtitle",
                    ),
                ]
            ),
            html.Nav(
                [
                    html.Div(
                        [
                            html.Button(
                                lab,
                                id=f"tab-{k}",
                                n_clicks=0,
                                role="tab",
                                className="tab",
                                **{"aria-controls": f"panel-{k}", "aria-selected": "false"},
                            )
                            for k, lab in tabs
                        ],
                        role="tablist",
                        className="tablist",
                        **{"aria-label": "models"},
                    ),
                    html.Div(
                        [
                            html.Button(
                                "Copy link to this view", id="copy-link", n_clicks=0, className="copy"
                            ),
                            html.Span(id="copy-status", className="copy-status", **{"aria-live": "polite"}),
                        ],
                        className="sharebar",
                    ),
                ],
                **{"aria-label": "tabs and sharing"},
            ),
            html.Main(
                [
                    html.Section(
                        id=f"panel-{k}", role="tabpanel", hidden=True, **{"aria-labelledby": f"tab-{k}"}
                    )
                    for k in keys
                ],
                id="main",
            ),
            dcc.Store(id="tabs-state"),
            dcc.Store(id="tabs-addr"),
        ]
    )

    @app.callback(
        Output("tabs-state", "data"),
        *[Output(f"panel-{k}", "children") for k in keys],
        *[Output(f"panel-{k}", "hidden") for k in keys],
        *[Output(f"tab-{k}", "aria-selected") for k in keys],
        *[Output(f"tab-{k}", "className") for k in keys],
        Input("url", "search"),
        *[Input(f"tab-{k}", "n_clicks") for k in keys],
        State("tabs-state", "data"),
    )
    def select(search, *args):
        """Show one tab; build (and so compute) a tab only the first time it is opened."""
        state = args[-1] or {"current": None, "opened": []}
        trig = callback_context.triggered_id
        initial: dict = {}
        if isinstance(trig, str) and trig.startswith("tab-"):
            tab = trig[4:]
        else:
            q = parse_query(search)
            tab = q.get("tab") if q.get("tab") in keys else "game"
            initial = q if q.get("tab") == tab else {}
            if state["opened"]:  # the address bar changed after load: nothing to rebuild
                tab = state["current"]
        opened = list(state["opened"])
        children = []
        for k in keys:
            if k == tab and k not in opened:
                children.append(builders[k](initial))
                opened.append(k)
            else:
                children.append(no_update)
        return (
            {"current": tab, "opened": opened},
            *children,
            *[k != tab for k in keys],
            *["true" if k == tab else "false" for k in keys],
            *["tab selected" if k == tab else "tab" for k in keys],
        )

    app.clientside_callback(_SWITCH, Output("tabs-addr", "data"), Input("tabs-state", "data"))
    app.clientside_callback(_COPY, Output("copy-status", "children"), Input("copy-link", "n_clicks"))
    for k in keys:
        app.clientside_callback(_ADDRESS % k, Output(f"{k}-addr", "data"), Input(f"{k}-share", "href"))

    game_tab.register(app)
    race_tab.register_race(app)
    if available["safety"]:
        safety_tab.register_safety(app)
    if with_market:
        import atexit
        import shutil
        import tempfile

        import diskcache

        folder = tempfile.mkdtemp(prefix="moatlab-explorer-")
        atexit.register(shutil.rmtree, folder, True)
        market_tab.register_market(app, diskcache.Cache(folder))
    measures_tab.register_measures(app, data_dir)
    return app


def serve(host: str = "127.0.0.1", port: int = 8050, data: str | None = None) -> None:
    """Start the explorer on ``host:port`` (blocks until interrupted)."""
    from . import game_tab

    app = create_app(data)
    game_tab.warm()  # the game tab's first readout then comes without compiling anything
    app.run(host=host, port=port, debug=False)
