"""storywire: an open-source news story engine."""

from storywire.errors import StorywireError

__version__ = "0.1.0"

__all__ = ["StorywireError", "__version__"]
