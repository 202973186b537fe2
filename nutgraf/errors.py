"""Errors a user can act on. Their message is one line that says how to fix the problem."""


class NutgrafError(Exception):
    """Base class: ``str(error)`` is shown to the user as ``Error: <message>``."""


class InputError(NutgrafError):
    """The input could not be read as an article (missing, empty, binary, too large...)."""


class FetchError(NutgrafError):
    """A URL could not be fetched: refused by policy, failed, too large, too slow.

    ``retry_after`` is the delay in seconds the server asked for (429/503), when it asked;
    ``unreachable`` says no connection could be made (the name does not resolve, the host
    refuses or does not answer), so other URLs on that host are likely to fail the same way.
    """

    def __init__(
        self, message: str, *, retry_after: float | None = None, unreachable: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.unreachable = unreachable


class FeedError(NutgrafError):
    """Bytes that should be a feed (or an OPML list) are not one, or are unsafe to parse."""
