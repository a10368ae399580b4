"""Pseudonymisation: direct identifiers and free text never leave ``data/raw/``.

- Respondent and firm ids become salted hashes: ``HMAC-SHA256(salt, id)``, first
  16 hex digits, prefixed ``R`` (respondent) or ``F`` (firm). The salt is a random
  32-byte secret in ``<project root>/.wecare_salt`` (gitignored), created on
  first use with permissions 0600; the same salt gives the same pseudonyms, so
  waves of the survey can be linked without keeping identities.
- Other identifiers (names, e-mails, phones, fiscal codes, firm names) are dropped.
- Free text goes to a separate restricted file under ``data/raw/restricted/``,
  keyed by the pseudonymous respondent id.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import pandas as pd

from wecare_analysis.catalog import project_root
from wecare_analysis.survey.codebook import Codebook, load_codebook

SALT_FILE = ".wecare_salt"


def salt_path(root: str | os.PathLike[str] | None = None) -> Path:
    """Path of the local salt file of a project root."""
    return project_root(root) / SALT_FILE


def load_salt(root: str | os.PathLike[str] | None = None) -> bytes:
    """Return the project's salt, creating ``.wecare_salt`` (0600) on first use."""
    path = salt_path(root)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    return bytes.fromhex(path.read_text().strip())


def pseudonym(value: str, salt: bytes, prefix: str = "") -> str:
    """Return ``prefix`` + the first 16 hex digits of ``HMAC-SHA256(salt, value)``.

    Examples
    --------
    >>> pseudonym("what do ya want for nothing?", b"Jefe", "F")  # RFC 4231 test case 2
    'F5bdcc146bf60754e'
    """
    return prefix + hmac.new(salt, value.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def pseudonyms(values: pd.Series, salt: bytes, prefix: str) -> pd.Series:
    """Pseudonymise a column (distinct values hashed once); empty values stay missing."""
    text = values.astype("string").fillna("")
    uniques = pd.unique(text[text != ""])
    return text.map({u: pseudonym(u, salt, prefix) for u in uniques}).astype("string")


def pseudonymised(clean: pd.DataFrame, salt: bytes, source_key: str,
                  book: Codebook | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a validated table into a shareable table and the restricted free text.

    Parameters
    ----------
    clean
        Kept rows from :func:`~wecare_analysis.survey.validate.validate_survey`.
    salt
        Secret from :func:`load_salt`.
    source_key
        Stable key of the source file (e.g. its SHA-256), used for respondents
        without ``_uuid``/``_id``: their id hashes ``source_key:row_number``.

    Returns
    -------
    (shareable, restricted)
        ``shareable`` has ``respondent_id`` first, ``firm_id`` hashed, no
        identifier, no free text, no ``_uuid``/``_id``; ``restricted`` has
        ``respondent_id`` and the non-empty free-text answers.
    """
    book = book or load_codebook()
    key = None
    for meta in ("_uuid", "_id"):
        if meta in clean and (clean[meta] != "").all():
            key = clean[meta].astype(str)
            break
    if key is None:
        key = source_key + ":" + clean["row_number"].astype(str)
    out = clean.copy()
    out.insert(0, "respondent_id", pseudonyms(key, salt, "R"))
    identifiers = [q for q in book.questions if q.type == "identifier" and q.name in out]
    for q in identifiers:
        if q.hashed:
            out[q.name] = pseudonyms(out[q.name], salt, "F" if q.name == "firm_id" else "H")
    texts = [q.name for q in book.questions if q.type == "text" and q.name in out]
    restricted = out[["respondent_id", *texts]]
    restricted = restricted[(restricted[texts] != "").any(axis=1)] if texts else restricted.iloc[0:0]
    drop = [q.name for q in identifiers if not q.hashed] + texts + [c for c in ("_uuid", "_id") if c in out]
    return out.drop(columns=drop).rename(columns={"row_number": "source_row"}), restricted.reset_index(drop=True)
