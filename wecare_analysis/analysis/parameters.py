"""The parameters of a run, in one frozen object built once from the CLI or from a notebook.

Every notebook's ``parameters`` cell names a subset of :data:`NOTEBOOK_PARAMETERS`
(a test checks them against :class:`RunParameters`); ``wecare run`` injects
:meth:`RunParameters.notebook_parameters` into every notebook, so the disclosure
threshold, the survey, the services and the optional inputs reaching a report are
those the run was given, never a notebook default.

The disclosure threshold has one source: the ``min_cell`` parameter when given, else
the ``WECARE_MIN_CELL`` environment variable, else 5
(:func:`wecare_analysis.disclosure.min_cell`), resolved once when the object is built.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from wecare_analysis.disclosure import min_cell as resolve_min_cell
from wecare_analysis.errors import InputError

#: The user's files of a run: parameter name -> what it is (English, for messages).
PATH_PARAMETERS: tuple[str, ...] = ("survey_path", "form_path", "mapping_path", "services_path", "mef_path",
                                    "third_sector_path", "ahp_path")
#: Names a notebook's ``parameters`` cell may define (``province``: one of :attr:`RunParameters.provinces`;
#: ``output_dir``: the report's folder under :attr:`RunParameters.output_root`).
NOTEBOOK_PARAMETERS: tuple[str, ...] = ("province", "year", "region", "root", "output_dir", *PATH_PARAMETERS,
                                        "min_cell")


def _path(value: str | os.PathLike[str] | None) -> str | None:
    return None if value is None else str(Path(value).expanduser().resolve())


@dataclass(frozen=True)
class RunParameters:
    """Everything that determines a run's analysis and reports.

    Attributes
    ----------
    region, year
        ISTAT region code (``"01"``, or ``"all"``) and year of the ISTAT data.
    provinces
        Province sigle of the run (empty: every province of the region).
    survey_path, form_path, mapping_path
        A survey export to ingest, its questionnaire form and column mapping (None: the ingested
        survey, else the demo survey).
    services_path
        The user's service list (None: the synthetic demo services).
    mef_path, third_sector_path, ahp_path
        Optional inputs of the transferability criteria and the stakeholders' AHP comparisons.
    min_cell
        Disclosure threshold: smallest published cell (None when building: ``$WECARE_MIN_CELL``, else 5).
    output_root
        Folder of the published reports (None: ``<root>/reports``).
    root
        Project folder (None: ``$WECARE_ROOT`` or the working directory).

    Examples
    --------
    >>> p = RunParameters(region="1", min_cell=10)
    >>> p.region, p.min_cell, p.notebook_parameters("BI", None)["min_cell"]
    ('01', 10, 10)
    """

    region: str = "01"
    year: int = 2023
    provinces: tuple[str, ...] = ()
    survey_path: str | None = None
    form_path: str | None = None
    mapping_path: str | None = None
    services_path: str | None = None
    mef_path: str | None = None
    third_sector_path: str | None = None
    ahp_path: str | None = None
    min_cell: int | None = None
    output_root: str | None = None
    root: str | None = field(default=None)

    def __post_init__(self) -> None:
        region = str(self.region).strip().lower()
        object.__setattr__(self, "region", "all" if region == "all" else f"{int(region):02d}")
        object.__setattr__(self, "year", int(self.year))
        object.__setattr__(self, "provinces", tuple(str(p).strip().upper() for p in self.provinces))
        try:
            object.__setattr__(self, "min_cell", resolve_min_cell(self.min_cell))
        except ValueError as exc:  # a bad --min-cell or $WECARE_MIN_CELL is a usage error (exit 2), not a bug
            raise InputError(f"disclosure threshold: {exc} (--min-cell or WECARE_MIN_CELL: a whole number >= 1)"
                             ) from None
        for name in PATH_PARAMETERS:
            object.__setattr__(self, name, _path(getattr(self, name)))

    # --- builders ---------------------------------------------------------------------------------------------
    @classmethod
    def from_cli(cls, args: argparse.Namespace) -> RunParameters:
        """From the options of ``wecare run`` (``--region``, ``--year``, ``--province``, ``--services``…)."""
        get = vars(args).get
        return cls(region=get("region") or "01", year=get("year") or 2023, provinces=tuple(get("province") or ()),
                   survey_path=get("survey"), form_path=get("form"), mapping_path=get("mapping"),
                   services_path=get("services"), mef_path=get("mef"), third_sector_path=get("third_sector"),
                   ahp_path=get("ahp"), min_cell=get("min_cell"), root=get("root"),
                   output_root=get("output_root"))

    @classmethod
    def from_notebook(cls, namespace: Mapping[str, object]) -> RunParameters:
        """From a notebook's variables (its ``parameters`` cell, as papermill left them): ``globals()``."""
        known = {name: namespace[name] for name in NOTEBOOK_PARAMETERS if name in namespace}
        province = known.pop("province", None)
        known.pop("output_dir", None)
        return cls(provinces=(str(province),) if province else (), **known)

    def for_region(self, region: str) -> RunParameters:
        """The same parameters for another region (a national run is regional analyses side by side)."""
        return replace(self, region=region)

    # --- what the notebooks receive --------------------------------------------------------------------------
    def notebook_parameters(self, province: str | None, output_dir: str | os.PathLike[str] | None
                            ) -> dict[str, object]:
        """Parameters injected into a notebook: ``province`` (omitted for a regional overview), year,
        region, root, output_dir, the user's files and ``min_cell``."""
        params: dict[str, object] = {"year": self.year, "region": self.region, "root": self.root,
                                     "output_dir": None if output_dir is None else str(output_dir)}
        params |= {name: getattr(self, name) for name in PATH_PARAMETERS}
        params["min_cell"] = self.min_cell
        return params if province is None else {"province": province, **params}

    def user_files(self) -> dict[str, str]:
        """The user's files given to the run, by parameter name (those set only)."""
        return {name: getattr(self, name) for name in PATH_PARAMETERS if getattr(self, name) is not None}


def parameter_names() -> tuple[str, ...]:
    """Field names of :class:`RunParameters` (for the notebook-parameters check)."""
    return tuple(f.name for f in fields(RunParameters))
