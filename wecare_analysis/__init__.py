"""Wecare workbench: welfare needs, service offer and transferability of good practices.

The package holds all logic; notebooks in ``notebooks/`` only call it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("wecare-analysis")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+local"

__all__ = ["__version__"]
