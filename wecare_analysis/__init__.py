"""Wecare workbench: welfare needs, service offer and transferability of good practices.

The package holds all logic; notebooks in ``notebooks/`` only call it. ``__version__`` is
read from the installed metadata when first asked for (:mod:`importlib.metadata` costs
start-up time every command would otherwise pay).
"""

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("wecare-analysis")
    except PackageNotFoundError:  # running from a source tree that is not installed
        value = "0.0.0+local"
    globals()["__version__"] = value
    return value
