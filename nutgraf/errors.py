"""Errors a user can act on. Their message is one line that says how to fix the problem."""


class NutgrafError(Exception):
    """Base class: ``str(error)`` is shown to the user as ``Error: <message>``."""


class InputError(NutgrafError):
    """The input could not be read as an article (missing, empty, binary, too large...)."""


class FetchError(NutgrafError):
    """A URL could not be fetched: refused by policy, failed, too large, too slow.

    ``retry_after`` is the delay in seconds the server asked for (429/503), when it asked.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FeedError(NutgrafError):
    """Bytes that should be a feed (or an OPML list) are not one, or are unsafe to parse."""
