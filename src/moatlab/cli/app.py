"""The Typer application object; the command modules register on it, :mod:`.main` runs it."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="moatlab",
    help="The economics of AI openness: regulation games, race incentives, market structure.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"moatlab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="print the version and exit",
                                 callback=_version, is_eager=True),
) -> None:
    """The economics of AI openness: regulation games, race incentives, market structure."""
