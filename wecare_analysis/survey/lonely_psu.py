"""Conventions for a stratum with a single cluster (as R's ``options(survey.lonely.psu=)``).

Kept in a module of its own, without heavy imports, so the command line can offer
the choices without loading the estimation engine.
"""

#: ``fail`` (R's default): error; ``remove``: the stratum adds no variance; ``certainty``: the
#: cluster is sampled with certainty; ``adjust``: centred on the grand mean instead of the
#: stratum mean; ``average``: the average variance of the other strata.
LONELY_PSU_OPTIONS: tuple[str, ...] = ("fail", "remove", "certainty", "adjust", "average")

#: Default of the ``wecare estimate`` / ``wecare model`` commands: never blocks a run.
CLI_LONELY_PSU = "adjust"
