"""A click group whose subcommands live in modules imported only when one of them is asked for.

``nutgraf summarize notes.txt`` should not pay for the archive, the web server or the
distributed engine: their modules (and trafilatura, httpx, starlette under them) are
imported when their command runs, or when ``--help`` lists every command. Each source names a
module and an attribute holding a command or a sequence of commands, so a command added to a
module's list shows up without a change here.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

import click

__all__ = ["LazyGroup"]


class LazyGroup(click.Group):
    """A group that imports ``lazy_sources`` ("module:attribute") when a command is not
    among those added directly: one module after another, until the command is found."""

    def __init__(self, *args: Any, lazy_sources: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending = list(lazy_sources)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        while command is None and self._pending:
            self._load(self._pending.pop(0))
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        while self._pending:
            self._load(self._pending.pop(0))
        return super().list_commands(ctx)

    def _load(self, source: str) -> None:
        module_name, _, attribute = source.partition(":")
        loaded = getattr(importlib.import_module(module_name), attribute)
        for command in loaded if isinstance(loaded, Sequence) else (loaded,):
            if command.name not in self.commands:
                self.add_command(command)
