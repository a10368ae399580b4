"""Synthetic demonstration data with a known truth ("dati sintetici dimostrativi").

:mod:`wecare_analysis.demo.survey` draws the questionnaire answers and their truth;
other modules add further synthetic layers (e.g. services). Everything built from
these data must be labelled :data:`SYNTHETIC_LABEL`.
"""

from wecare_analysis.demo.survey import SYNTHETIC_LABEL

__all__ = ["SYNTHETIC_LABEL"]
