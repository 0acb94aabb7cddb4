"""Entry point of the ``moatlab`` command: registers the commands and turns errors into one line."""

from __future__ import annotations

import signal
import sys

import typer

try:  # Typer >= 0.2x vendors click as typer._click
    from typer._click import exceptions as _cx
except ImportError:  # pragma: no cover - older Typer with a click dependency
    from click import exceptions as _cx

from ..errors import MoatlabError, ParameterError, fmt_value
from . import claims as _claims  # noqa: F401  (registers claims list, claims check)
from . import finetune as _finetune  # noqa: F401  (registers finetune …)
from . import game as _game  # noqa: F401  (registers solve, landscape, demo)
from . import market as _market  # noqa: F401  (registers market …)
from . import measures as _measures  # noqa: F401  (registers measures …)
from . import race as _race  # noqa: F401  (registers race …)
from . import safety as _safety  # noqa: F401  (registers safety …)
from . import sweep as _sweep  # noqa: F401  (registers sweep …, policy …)
from . import web as _web  # noqa: F401  (registers serve, report)
from ._common import err_console, one_line, option_name
from .app import app


def _error(message: str, code: int) -> int:
    err_console.print(f"error: {one_line(message)}", markup=False)
    return code


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that ``finally`` blocks (``atomic_dir``) clean up."""


_terminated = False


def _on_sigterm(signum, frame) -> None:
    global _terminated
    _terminated = True
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not interrupt the cleanup
    raise Terminated()


def _install_sigterm() -> None:
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # pragma: no cover - not the main thread (main() called from a thread)
        pass


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; user errors print one line on stderr and exit with code 2.

    SIGTERM is handled like Ctrl-C (partial output folders are removed), then exits with 143.
    """
    _install_sigterm()
    try:
        _run(argv)
    except BaseException:
        if _terminated:  # however Click reported the interrupt (an exception or an exit code)
            sys.exit(_error("terminated", 128 + signal.SIGTERM))
        raise


def _run(argv: list[str] | None) -> None:
    try:
        rv = app(args=argv, standalone_mode=False, prog_name="moatlab")
    except _cx.NoArgsIsHelpError:
        sys.exit(0)  # Typer has printed the help
    except _cx.UsageError as e:
        sys.exit(_error(e.format_message().replace("\n", " "), 2))
    except KeyboardInterrupt:
        sys.exit(_error("interrupted", 130))
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except ParameterError as e:
        name = option_name(e.name) if not e.name.startswith("-") and " " not in e.name else e.name
        sys.exit(_error(f"{name} = {fmt_value(e.value)} is not allowed: must be {e.allowed}", 2))
    except MoatlabError as e:  # every other kind: one line, the kind's exit code
        message = " ".join(str(e).split())
        if message.startswith("out = "):  # the runners' keyword is the command line's --out
            message = "--" + message
        sys.exit(_error(message, e.exit_code))
    sys.exit(rv if isinstance(rv, int) else 0)
