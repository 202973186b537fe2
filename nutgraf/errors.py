"""Errors a user can act on. Their message is one line that says how to fix the problem."""


class NutgrafError(Exception):
    """Base class: ``str(error)`` is shown to the user as ``Error: <message>``."""


class InputError(NutgrafError):
    """The input could not be read as an article (missing, empty, binary, too large...)."""
