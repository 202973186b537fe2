"""What the command line prints, and the one way it prints it.

Every line goes through ``strip_controls`` and every JSON line through ``json_line``, so no
terminal escape sequence reaches the terminal, whatever a feed said or an older nutgraf
stored; an error is one ``Error:`` line and exit status 1. (A progress bar's own escapes are
the only ones the commands write, with ``click.echo`` directly.)
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from nutgraf.controls import json_line, strip_controls

__all__ = ["echo", "echo_json", "echo_line", "echo_lines", "fail"]


def echo(text: str = "", *, err: bool = False) -> None:
    """Print ``text`` (its newlines and tabs kept, every other control taken out)."""
    click.echo(strip_controls(text, lines=True), err=err)


def echo_line(text: str, *, err: bool = False) -> None:
    """Print ``text`` on one line: line breaks and tabs become spaces, controls go."""
    click.echo(strip_controls(text), err=err)


def echo_lines(lines: list[str], *, err: bool = False) -> None:
    """Print each of ``lines`` as ``echo_line`` does, in one write (and one flush): a
    summary of each of 600 files was 3,000 writes."""
    if lines:
        click.echo("\n".join([strip_controls(line) for line in lines]), err=err)


def echo_json(value: dict[str, Any]) -> None:
    """Print ``value`` as one line of JSON, control characters escaped."""
    click.echo(json_line(value))


def fail(message: str) -> NoReturn:
    """Print ``Error: message`` on one line to standard error and exit with status 1."""
    click.echo(f"Error: {strip_controls(message)}", err=True)
    sys.exit(1)
