"""Readers of the ``wecare access`` inputs: demand and supply points, cost tables.

Every problem is an :class:`~wecare_analysis.errors.InputError` naming the file,
the line (header = line 1), the column, what was expected and what was found:
the measures need every demand id, so nothing is silently dropped.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from wecare_analysis.errors import InputError

UTM32N = "EPSG:32632"


def _read_csv(path: Path, id_columns: list[str]) -> pd.DataFrame:
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder; expected a CSV file.")
    if not path.is_file():
        raise InputError(f"{path}: file not found.")
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        header = fh.readline()
    if not header.strip():
        raise InputError(f"{path}: the file is empty; expected a header line and at least one row.")
    semicolon = header.count(";") > header.count(",")
    # the header parsed as CSV, as pandas will name the columns: quoted names ("id", as R's write.csv
    # writes them) lose their quotes, so the id columns are found and read as text (leading zeros kept)
    fields = next(csv.reader([header], delimiter=";" if semicolon else ",", skipinitialspace=True), [])
    dtypes = {name: str for name in fields if name.strip().lower() in id_columns}
    try:
        with warnings.catch_warnings():  # a row longer than the header: pandas would drop its extra values
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(path, sep=";" if semicolon else ",", decimal="," if semicolon else ".",
                             encoding="utf-8-sig", dtype=dtypes, index_col=False,
                             skipinitialspace=True, keep_default_na=False, na_values=[""])
    except pd.errors.ParserWarning:
        raise InputError(_ragged_line(path, ";" if semicolon else ",", len(fields))) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not a readable CSV file ({err}).".replace("\n", " ")) from None
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror or err}).") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    if df.empty:
        raise InputError(f"{path}: no data rows after the header.")
    return df


def _ragged_line(path: Path, delimiter: str, width: int) -> str:
    """The message for the first line whose field count differs from the header's."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, skipinitialspace=True)
        for fields in reader:
            if fields and len(fields) != width:
                return (f"{path}: line {reader.line_num} has {len(fields)} fields, the header has {width}; "
                        f"a '{delimiter}' inside a value must be quoted.")
    return f"{path}: a line has more fields than the header ({width}); a '{delimiter}' inside a value must be quoted."


def _numeric(df: pd.DataFrame, column: str, path: Path, minimum: float | None = None) -> np.ndarray:
    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        found = df[column].iloc[k]
        shown = "an empty cell" if pd.isna(found) else repr(found.item() if isinstance(found, np.generic) else found)
        raise InputError(f"{path}: line {k + 2}, column '{column}': expected a number, "
                         f"found {shown} ({int(bad.sum())} such rows).")
    if minimum is not None and (values < minimum).any():
        k = int(np.flatnonzero(values < minimum)[0])
        raise InputError(f"{path}: line {k + 2}, column '{column}': expected a value >= {minimum:g}, "
                         f"found {values[k]:g} ({int((values < minimum).sum())} such rows).")
    return values


def _unique_ids(ids: pd.Series, path: Path, column: str = "id") -> pd.Series:
    ids = ids.astype(str).str.strip()
    empty = (ids == "") | (ids.str.lower() == "nan")
    if empty.any():
        raise InputError(f"{path}: line {int(np.flatnonzero(empty)[0]) + 2}, column '{column}': the id is empty.")
    dup = ids.duplicated(keep=False)
    if dup.any():
        first = ids[dup].iloc[0]
        lines = ", ".join(str(k + 2) for k in np.flatnonzero((ids == first).to_numpy())[:5])
        raise InputError(f"{path}: id {first!r} appears on lines {lines} ({int(dup.sum())} rows with a repeated id); "
                         "ids must be unique.")
    return ids


def read_points(path: str | Path, value_column: str) -> pd.DataFrame:
    """Return ``id, x, y, value`` (EPSG:32632 metres) from a CSV with ``id,x,y,<value>`` or ``id,lon,lat,<value>``.

    Separator ``,`` (decimal point) or ``;`` (decimal comma), UTF-8 with or
    without BOM. ``value`` must be finite and >= 0; ids unique; lon/lat within
    range and not 0,0. x/y are taken as given (any metric plane works, the
    measures only use distances).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = f.write_text("id;lon;lat;demand\\n001272;9;45;12,5\\n")
    >>> p = read_points(f, "demand")
    >>> p["id"].tolist(), round(float(p["x"].iloc[0]), 1), round(float(p["y"].iloc[0]), 1), p["value"].tolist()
    (['001272'], 500000.0, 4982950.4, [12.5])
    """
    path = Path(path)
    df = _read_csv(path, ["id"])
    if {"x", "y"} <= set(df.columns):
        xcol, ycol, lonlat = "x", "y", False
    elif {"lon", "lat"} <= set(df.columns):
        xcol, ycol, lonlat = "lon", "lat", True
    else:
        xcol = ycol = ""
        lonlat = False
    if not xcol or "id" not in df.columns or value_column not in df.columns:
        raise InputError(f"{path}: expected columns id,x,y,{value_column} (EPSG:32632 metres) or "
                         f"id,lon,lat,{value_column}; found {','.join(df.columns)}.")
    ids = _unique_ids(df["id"], path)
    x, y = _numeric(df, xcol, path), _numeric(df, ycol, path)
    value = _numeric(df, value_column, path, minimum=0.0)
    if lonlat:
        out = (np.abs(x) > 180) | (np.abs(y) > 90) | ((x == 0) & (y == 0))
        if out.any():
            k = int(np.flatnonzero(out)[0])
            raise InputError(f"{path}: line {k + 2}: lon/lat ({x[k]:g}, {y[k]:g}) is not a valid position "
                             "(out of range or 0,0).")
        from pyproj import Transformer

        x, y = Transformer.from_crs("EPSG:4326", UTM32N, always_xy=True).transform(x, y)
    return pd.DataFrame({"id": ids.to_numpy(), "x": np.asarray(x, float), "y": np.asarray(y, float), "value": value})


def read_cost_table(path: str | Path) -> pd.DataFrame:
    """Return ``origin, dest, cost`` from a long cost CSV; costs finite and >= 0, (origin, dest) unique.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> _ = f.write_text("origin,dest,cost\\n01,s1,1200\\n")
    >>> read_cost_table(f).to_dict("records")
    [{'origin': '01', 'dest': 's1', 'cost': 1200.0}]
    """
    path = Path(path)
    df = _read_csv(path, ["origin", "dest"])
    if not {"origin", "dest", "cost"} <= set(df.columns):
        raise InputError(f"{path}: expected columns origin,dest,cost; found {','.join(df.columns)}.")
    origin = df["origin"].astype(str).str.strip()
    dest = df["dest"].astype(str).str.strip()
    cost = _numeric(df, "cost", path, minimum=0.0)
    dup = pd.MultiIndex.from_arrays([origin, dest]).duplicated()
    if dup.any():
        k = int(np.flatnonzero(dup)[0])
        raise InputError(f"{path}: line {k + 2}: the pair ({origin.iloc[k]!r}, {dest.iloc[k]!r}) is repeated "
                         f"({int(dup.sum())} repeated pairs); give one cost per pair.")
    return pd.DataFrame({"origin": origin.to_numpy(), "dest": dest.to_numpy(), "cost": cost})
