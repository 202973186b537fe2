"""The ``nutgraf`` command line: ``root`` holds the group and the commands that need no
archive; each other module holds one area's commands, imported only when one of them runs
(``lazy``). ``output`` prints results and errors the same way for all of them."""

from __future__ import annotations

from nutgraf.cli.root import main

__all__ = ["main"]
