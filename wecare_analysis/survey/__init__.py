"""The questionnaire: codebook, reading and validating exports, pseudonymisation, tidy tables.

Modules: :mod:`.codebook` (the questionnaire, from ``codebook.yaml``),
:mod:`.export` (XLSForm and printable questionnaire), :mod:`.readers`,
:mod:`.layout`, :mod:`.values` and :mod:`.validate` (reading and checking an
export), :mod:`.pseudonymise`, :mod:`.ingest` (the whole chain, behind
``wecare survey validate``), :mod:`.tidy` (the respondent table for
estimation), :mod:`.profile` (unweighted respondent profile with suppression).
"""
