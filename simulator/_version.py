"""Package version, read from the installed metadata (single source: pyproject.toml)."""

from importlib import metadata

try:
    __version__ = metadata.version("mcsim")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
