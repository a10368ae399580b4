"""Indicators, triangulation and the report section on the synthetic demo records, against hand computations."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wecare_analysis.activities.indicators import (
    MERGED_LABEL,
    OTHER_KEY,
    REGION_KEY,
    meeting_indicators,
    published_counts,
    read_denominators,
)
from wecare_analysis.activities.source import activities_source, demo_dir, demo_processed_dir
from wecare_analysis.errors import InputError
from wecare_analysis.report.activities_section import SHEETS, activities_section, triangulation_frames
from wecare_analysis.survey.codebook import load_codebook

AREAS = list(load_codebook().need_area_codes)
#: Survey shares given to the triangulation (distinct values; in a report they come from the weighted estimates).
SURVEY = pd.Series([0.21, 0.18, 0.25, 0.33, 0.47, 0.12, 0.15, 0.41, 0.27, 0.30, 0.24, 0.16, 0.29, 0.22, 0.09,
                    0.14, 0.07, 0.05], index=AREAS)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("activities_demo")
    indicators, synthetic = activities_source(root)
    return root, indicators, synthetic


def _raw(root: Path, name: str) -> pd.DataFrame:
    """A demo file read as any spreadsheet would: skip the title row, ``;``, UTF-8 with BOM."""
    return pd.read_csv(demo_dir(root) / name, sep=";", skiprows=1, encoding="utf-8-sig", dtype=str,
                       keep_default_na=False)


def _hand_ranks(values: list[float]) -> list[float]:
    """Rank 1 = highest; ties get the mean of the ranks they span."""
    return [1 + sum(w > v for w in values) + (sum(w == v for w in values) - 1) / 2 for v in values]


def _hand_tau_b(x: list[float], y: list[float]) -> float:
    concordant = discordant = ties_x = ties_y = 0
    for i, j in itertools.combinations(range(len(x)), 2):
        dx, dy = x[i] - x[j], y[i] - y[j]
        if dx == 0 and dy == 0:
            ties_x, ties_y = ties_x + 1, ties_y + 1
        elif dx == 0:
            ties_x += 1
        elif dy == 0:
            ties_y += 1
        elif dx * dy > 0:
            concordant += 1
        else:
            discordant += 1
    n0 = len(x) * (len(x) - 1) / 2
    return (concordant - discordant) / math.sqrt((n0 - ties_x) * (n0 - ties_y))


def test_demo_records_are_labelled_and_validate_cleanly(demo) -> None:
    root, _ind, synthetic = demo
    assert synthetic
    for path in sorted(demo_dir(root).glob("*.csv")):
        assert path.read_text(encoding="utf-8-sig").splitlines()[0].startswith("Dati sintetici dimostrativi")
    summaries = [json.loads(p.read_text()) for p in demo_processed_dir(root).rglob("*.validation.json")]
    assert sorted(s["kind"] for s in summaries) == ["desk", "focus", "meetings"]
    assert all(s["rows_quarantined"] == 0 and s["rows_read"] == s["rows_kept"] > 0 for s in summaries)
    assert not (root / "data" / "processed" / "activities").exists()  # never mixed with the user's records


def test_triangulation_on_demo_data_equals_a_hand_computation(demo) -> None:
    root, ind, _synthetic = demo
    desk, focus = _raw(root, "sportelli_demo.csv"), _raw(root, "focus_group_demo.csv")
    requests = desk["Area della richiesta"].value_counts()
    hand_desk = [int(requests.get(a, 0)) for a in AREAS]
    theme_header = {code: f"Tema: {label.split(' (')[0]}" for code, label, _ in load_codebook().need_areas}
    hand_focus = [float(focus[theme_header[a]].astype(int).sum()) for a in AREAS]
    k = ind.k
    desk_for_rank = [float(c) if c >= k else 0.0 for c in hand_desk]  # counts under k are merged: rank as 0
    table, agree = triangulation_frames(ind, SURVEY, None)
    assert table["area"].tolist() == AREAS
    assert table["desk_requests"].tolist() == [c if c >= k else MERGED_LABEL for c in hand_desk]
    assert sum(c < k for c in hand_desk) >= 2  # the demo has merged areas: the tie rule is exercised
    assert table["focus_score"].tolist() == hand_focus
    assert table["survey_rank"].tolist() == _hand_ranks(SURVEY.tolist())
    assert table["desk_rank"].tolist() == _hand_ranks(desk_for_rank)
    assert table["focus_rank"].tolist() == _hand_ranks(hand_focus)
    ranks = {"survey": _hand_ranks(SURVEY.tolist()), "desk": _hand_ranks(desk_for_rank),
             "focus": _hand_ranks(hand_focus)}
    for row in agree.itertuples(index=False):
        x, y = ranks[row.first], ranks[row.second]
        assert row.areas == 18
        assert row.kendall_tau == pytest.approx(_hand_tau_b(x, y), abs=1e-12)
        assert row.spearman_rho == pytest.approx(np.corrcoef(x, y)[0, 1], abs=1e-12)


def test_meetings_below_the_minimum_are_flagged() -> None:
    provinces = (("TO", "Torino"), ("VB", "Verbano-Cusio-Ossola"))
    meetings = pd.DataFrame({"province_sigla": ["TO", "TO"], "participants_firms": [10, 4],
                             "participants_workers": [2, 0], "participants_public": [1, 1],
                             "participants_third_sector": [0, 3], "cna_members": [6, 4], "new_contacts": [3, 1]})
    out = meeting_indicators(meetings, provinces).set_index("province_sigla")
    assert out.loc["TO", ["meetings", "participants", "firms_reached", "new_contacts"]].tolist() == [2, 21, 14, 4]
    assert out.loc["VB", "meetings"] == 0 and bool(out.loc["VB", "below_minimum"])
    assert bool(out.loc[REGION_KEY, "below_minimum"]) and not bool(out.loc["TO", "below_minimum"])


def test_desk_rates_per_1000_firms_and_workers(demo, tmp_path: Path) -> None:
    from wecare_analysis.activities.indicators import desk_indicators

    _root, ind, _s = demo
    den = tmp_path / "imprese.csv"
    firms = {"Torino": 40000, "Vercelli": 3000, "Novara": 6500, "Cuneo": 12000, "Asti": 4000,
             "Alessandria": 7000, "Biella": 3500, "VB": 3200}
    den.write_text("Provincia;Imprese;Addetti\n" + "\n".join(
        f"{p};{n:,}".replace(",", ".") + f";{4 * n}" for p, n in firms.items()) + "\n", encoding="cp1252")
    table = read_denominators(den)
    assert table.set_index("province_sigla").loc["VB", "firms"] == 3200
    contacts = ind.desk.set_index("province_sigla")["contacts"]
    from wecare_analysis.activities.templates import region_provinces

    raw_desk = pd.DataFrame({"province_sigla": np.repeat(contacts.index[:-1], contacts.iloc[:-1])})
    out = desk_indicators(raw_desk, region_provinces(), table).set_index("province_sigla")
    assert out.loc["TO", "contacts_per_1000_firms"] == pytest.approx(1000 * 160 / 40000)
    assert out.loc["TO", "contacts_per_1000_workers"] == pytest.approx(1000 * 160 / 160000)
    assert out.loc[REGION_KEY, "contacts_per_1000_firms"] == pytest.approx(1000 * 400 / sum(firms.values()))
    bad = tmp_path / "bad.csv"
    bad.write_text("provincia;imprese\nMilano;10\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown provinces in column 'provincia': 'Milano' \\(1\\)"):
        read_denominators(bad)


def test_published_desk_cells_respect_the_threshold_and_cannot_be_recovered(demo) -> None:
    from wecare_analysis.disclosure import recoverable_cells

    _root, ind, _s = demo
    for counts in (ind.requests, ind.free_text):
        published = published_counts(counts, ind.k)
        numbers = published.drop(OTHER_KEY).map(lambda v: np.nan if isinstance(v, str) else v).astype(float)
        assert ((numbers >= ind.k) | numbers.isna()).all().all()
        assert (published == MERGED_LABEL).sum().sum() > 10  # the demo has small cells: the test can fail
        other, merged = published.loc[OTHER_KEY], counts.where(published.drop(OTHER_KEY) == MERGED_LABEL, 0).sum()
        small = other == f"< {ind.k}"
        assert (merged[small] < ind.k).all() and (counts.sum()[small] < ind.k).all()  # the whole column is small
        assert ((other[~small] == 0) | (other[~small] >= ind.k)).all() and (other[~small] == merged[~small]).all()
        # a reader knows every published cell, the area totals and the column totals (= published cells +
        # 'altre aree'; for the desk, the contacts per province are published too)
        attack = recoverable_cells(published.drop(OTHER_KEY), column_totals=counts.sum().astype(float),
                                   total_column=REGION_KEY, k=ind.k)
        truth = pd.Series([counts.loc[r, c] for r, c in zip(attack["row"], attack["column"])])
        assert len(attack) > 10 and not (attack["recovered"] & (truth > 0)).any(), attack[attack["recovered"]]


def test_section_text_and_tables(demo) -> None:
    _root, ind, synthetic = demo
    region = activities_section(ind, SURVEY, None, synthetic)
    assert region.markdown.startswith("## Attività del programma")
    assert "**Dati sintetici dimostrativi**" in region.markdown
    assert "In Piemonte si sono tenuti 15 incontri di animazione territoriale" in region.markdown
    assert "Province sotto il minimo previsto dal programma (almeno un incontro in ogni provincia): nessuna." \
        in region.markdown
    assert "tau di Kendall" in region.markdown and "nessun testo è citato" in region.markdown
    assert set(region.tables) == set(SHEETS) and all(len(name) <= 31 for name in region.sheets)
    assert region.tables["meetings"]["Provincia"].tolist()[-1] == "Piemonte"
    assert len(region.tables["meetings"]) == 9
    province = activities_section(ind, SURVEY, "BI", synthetic)
    assert province.tables["requests"].columns.tolist() == ["Area di bisogno", "Biella", "Piemonte"]
    assert "Nella provincia di Biella si è tenuto 1 incontro" in province.markdown
    assert "Nella provincia non si è tenuto alcun focus group" in province.markdown
    # the province's cells are those of the regional table: suppression is decided once
    assert province.tables["requests"]["Biella"].tolist() == region.tables["requests"]["Biella"].tolist()
    no_survey = activities_section(ind, None, "TO", synthetic)
    assert "Le stime dell'indagine non sono disponibili" in no_survey.markdown
    assert no_survey.tables["triangulation"]["Indagine: rango"].isna().all()


def test_triangulation_with_the_weighted_survey_estimates_of_the_demo(project_root: Path) -> None:
    """The survey column: the region analysis' design-based estimates of the demo survey, ranked as by hand."""
    from wecare_analysis.activities.triangulation import survey_shares
    from wecare_analysis.analysis import RunParameters, analyse_region

    analysis = analyse_region(RunParameters(region="01", root=str(project_root)))
    estimates = analysis.needs.groups
    ind, synthetic = analysis.activities.indicators, analysis.activities.synthetic
    for place in (analysis.region_name, "CN"):
        rows = estimates[(estimates["group_var"] == "all") & (estimates["territory"] == place)]
        hand = dict(zip(rows["variable"].str.removeprefix("need_"), rows["estimate"]))
        shares = survey_shares(estimates, place)
        assert shares.to_dict() == hand and len(hand) == 18
        section = activities_section(ind, shares, None if place == analysis.region_name else place, synthetic)
        table = section.tables["triangulation"]
        assert table["Indagine: rango"].tolist() == _hand_ranks([hand[a] for a in AREAS])
        assert table["Indagine: quota con il bisogno (%)"].tolist() == [round(100 * hand[a], 1) for a in AREAS]


def test_researcher_term_table_counts_the_demo_notes(demo) -> None:
    from wecare_analysis.activities import researcher_term_table

    root, _ind, _s = demo
    notes = _raw(root, "sportelli_demo.csv")["Note (riservate)"]
    table = researcher_term_table(root).set_index(["area", "term"])
    assert table.loc[("supplementary_pension", "fondo pension*"), "answers"] == notes.str.contains("fondo pensione").sum()
    assert table.loc[("eldercare", "non autosufficien*"), "answers"] == notes.str.contains("non autosufficiente").sum()
    assert not table.index.get_level_values("term").isin(notes[notes != ""].unique()).any()  # entries, not texts
