"""``moatlab serve`` (the web explorer) and ``moatlab report`` (a self-contained policy brief)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import require_extra
from ._common import check_out, fail, shorten
from .app import app


@app.command("serve")
def serve(
    host: Annotated[
        str, typer.Option("--host", help="address to bind (default: this machine only)")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port")] = 8050,
    data: Annotated[str | None, typer.Option("--data", help="data folder for the real-models tab")] = None,
) -> None:
    """Start the web explorer (Dash) at http://HOST:PORT; stop with Ctrl-C."""
    require_extra("dash", "web", "moatlab serve")
    if not 1 <= port <= 65535:
        fail(f"--port = {port} is not allowed: must be an integer in [1, 65535]")
    if data is not None and not Path(data).expanduser().is_dir():
        fail(f"--data = {shorten(data)} is not allowed: must be an existing folder "
             "(holding fmti/, mof/, eosai/)")
    import errno
    import socket

    from ..app import serve as run

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (OSError, UnicodeError) as e:
        fail(f"--host = {shorten(host)} is not allowed: must be an address or name of this machine "
             f"({getattr(e, 'strerror', None) or 'cannot be resolved'})")
    with socket.socket(family, kind, proto) as s:
        try:
            s.bind(address)
        except OSError as e:
            if e.errno == errno.EADDRINUSE or e.errno == errno.EACCES:
                fail(f"--port = {port} is not allowed: must be free on {shorten(host)} ({e.strerror})")
            fail(f"--host = {shorten(host)} is not allowed: must be an address of this machine "
                 f"({e.strerror})")
    if host not in ("127.0.0.1", "localhost", "::1") and not host.startswith("127."):
        typer.echo(
            f"warning: --host {host[:80]} makes the explorer reachable from other machines; it has no "
            "authentication and anyone who can reach it can run computations on this machine",
            err=True,
        )
    typer.echo(f"moatlab explorer on http://{host}:{port}/  (Ctrl-C stops it)", err=True)
    run(host=host, port=port, data=data)


@app.command("report")
def report(
    scenario: Annotated[str, typer.Argument(help="report scenario TOML, or a packaged name (eu_threshold)")],
    out: Annotated[Path, typer.Option("--out", help="HTML file to write (must not exist unless --force)")],
    pdf: Annotated[bool, typer.Option("--pdf", help="also print a PDF beside it (needs chromium)")] = False,
    force: Annotated[bool, typer.Option("--force", help="replace --out if it exists")] = False,
) -> None:
    """Write a self-contained HTML policy brief (figures embedded, numbers computed, limitations).

    An existing --out file is refused unless --force is given.
    """
    from ..report import chromium, load_report_scenario, print_pdf, write_report

    sc = load_report_scenario(scenario)
    if sc.market:  # the market section runs the agent-based model
        require_extra("mesa", "abm", "moatlab report (a scenario with a market section)")
    if pdf and chromium() is None:
        fail("--pdf is not available: no PDF engine found (install chromium, e.g. apt-get install chromium)")
    if out.suffix.lower() not in (".html", ".htm"):
        fail(f"--out = '{out}' is not allowed: must be an .html file")
    if out.exists() and out.is_dir():
        fail(f"--out = '{out}' is not allowed: must be a file (a folder of that name exists)")
    if out.exists() and not force:
        fail(f"--out = '{out}' is not allowed: the file exists (give --force to replace it)")
    check_out(out, kind="file")  # before the figures and numbers are computed
    path = write_report(sc, out, force=force)
    typer.echo(f"wrote {path}")
    if pdf:
        typer.echo(f"wrote {print_pdf(path)}")
