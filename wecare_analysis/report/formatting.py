"""Italian number formats and labels: moved to :mod:`wecare_analysis.formatting` (below every layer, so that
the practices' criteria can format figures without importing the report package); re-exported here for
the callers outside this package that still name this module (``wecare practices``)."""

from wecare_analysis.formatting import format_it, format_percent_it, label

__all__ = ["format_it", "format_percent_it", "label"]
