"""Italian number formats, legend labels, pyramid shares."""

from __future__ import annotations

import numpy as np
import pandas as pd

from wecare_analysis.formatting import format_it, format_percent_it
from wecare_analysis.report.maps import class_labels
from wecare_analysis.report.pyramid import age_class_shares


def test_format_it():
    assert format_it(1234.5, 1) == "1.234,5"
    assert format_it(4240736) == "4.240.736"
    assert format_it(-1234567.891, 2) == "-1.234.567,89"
    assert format_it(None) == "n.d."
    assert format_percent_it(0.4253) == "42,5%"


def test_class_labels_are_italian():
    assert class_labels(np.array([51.4, 6473.4]), 1.1, 1) == ["1,1 – 51,4", "51,4 – 6.473,4"]


def test_age_class_shares_by_hand():
    pop = pd.DataFrame({"age": [0, 4, 5, 100], "F": [1, 1, 2, 4], "M": [2, 0, 0, 0]})
    shares = age_class_shares(pop)
    assert shares.loc[0, "F"] == 20.0 and shares.loc[0, "M"] == 20.0
    assert shares.loc[5, "F"] == 20.0 and shares.loc[100, "F"] == 40.0
    assert shares.to_numpy().sum() == 100.0
