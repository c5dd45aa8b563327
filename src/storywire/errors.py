"""The one exception tree of storywire.

    StorywireError
     ├── ConfigError      settings that cannot be used
     ├── FetchError       the network said no (status, timeout, size, politeness)
 │    └── BlockedAddressError   the URL resolves somewhere we must not connect (SSRF guard)
     ├── ParseError       a feed or file could not be read
     ├── ExtractError     a page held no article we could extract
     ├── StorageError     the database refused or is not at the expected schema
     │    └── SchemaOutdatedError
     ├── WriteError       a story could not be written
     └── NotFoundError    a story, article or feed that does not exist

Code inside the pipeline raises these; only the worker, CLI and HTTP boundaries catch them and
record the error where the user sees it.
"""

from __future__ import annotations


class StorywireError(Exception):
    """Base class of every error storywire raises on purpose."""


class ConfigError(StorywireError):
    pass


class FetchError(StorywireError):
    pass


class BlockedAddressError(FetchError):
    """A URL that resolves to loopback, private, link-local, multicast or metadata addresses."""


class ParseError(StorywireError):
    pass


class ExtractError(StorywireError):
    """`reason` says which kind, for counting: no_article, timeout, memory or worker."""

    def __init__(self, message: str, reason: str = "no_article") -> None:
        super().__init__(message)
        self.reason = reason


class StorageError(StorywireError):
    pass


class SchemaOutdatedError(StorageError):
    """The database is behind the code's migrations; run `storywire db upgrade`."""


class WriteError(StorywireError):
    pass


class NotFoundError(StorywireError):
    pass
