"""Good-practice catalogue and transferability assessment (issue 6).

* :mod:`~wecare_analysis.practices.catalogue` — the eight practices of the programme (``catalogue.yaml``);
* :mod:`~wecare_analysis.practices.criteria` — ASTAIRE/PIET-T criteria per practice × province;
* :mod:`~wecare_analysis.practices.ahp`, :mod:`~wecare_analysis.practices.weights` — weights;
* :mod:`~wecare_analysis.practices.mcda` — TOPSIS and weighted sum;
* :mod:`~wecare_analysis.practices.robustness` — Dirichlet perturbation of the weights;
* :mod:`~wecare_analysis.practices.optional_inputs` — MEF IRPEF and third-sector readers;
* :mod:`~wecare_analysis.practices.assess` — the assessment of one province.
"""

from wecare_analysis.practices.catalogue import Catalogue, Practice, load_catalogue

__all__ = ["Catalogue", "Practice", "load_catalogue"]
