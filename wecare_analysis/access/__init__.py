"""Spatial accessibility: the 2SFCA family equal to PySAL ``access``, nearest distance, supply per 1,000.

The measures are in :mod:`wecare_analysis.access.catchment`; the CSV readers
of the ``wecare access`` command in :mod:`wecare_analysis.access.io`.
"""

from wecare_analysis.access.catchment import (
    DEFAULT_BANDS,
    CostMatrix,
    enhanced_two_stage_fca,
    gravity_two_stage_fca,
    gravity_weights,
    nearest_cost,
    nearest_distance,
    population_weighted_mean,
    step_weights,
    straight_line_costs,
    supply_per_thousand,
    table_costs,
    two_stage_fca,
)

__all__ = [
    "DEFAULT_BANDS",
    "CostMatrix",
    "enhanced_two_stage_fca",
    "gravity_two_stage_fca",
    "gravity_weights",
    "nearest_cost",
    "nearest_distance",
    "population_weighted_mean",
    "step_weights",
    "straight_line_costs",
    "supply_per_thousand",
    "table_costs",
    "two_stage_fca",
]
