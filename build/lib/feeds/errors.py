"""Errors that end a refresh. Each message is one sentence a person can act on,
because it is shown as-is in the run history and the admin API."""


class FeedError(Exception):
    """Base of every error the ingestion pipeline reports."""

    transient = False

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class FetchError(FeedError):
    """The upstream could not be fetched. ``transient`` errors (timeouts, refused
    connections, 5xx) are worth retrying; the others are not."""

    def __init__(self, message: str, *, transient: bool = False, status: int | None = None):
        super().__init__(message)
        self.transient = transient
        self.status = status


class ParseError(FeedError):
    """The upstream answered, but with something we cannot use."""
