"""``python -m nutgraf``: the same as the ``nutgraf`` command."""

from nutgraf.cli import main

main()
