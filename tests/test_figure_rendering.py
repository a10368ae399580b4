"""One drawing per figure: the cropped raster equals matplotlib's own tight PNG; SVG and display copies."""

from __future__ import annotations

import io
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from wecare_analysis.report.exports import DISPLAY_DPI, FIGURE_DPI, show_figure
from wecare_analysis.report.rendering import render_figure, resampled


def _chart(outside: bool = False) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1, 2], [0, 1, 4], color="#b2182b")
    ax.set_title("Prova di resa")
    ax.set_xlabel("Quota (%)")
    if outside:
        ax.text(1.25, 0.5, "nota fuori dagli assi", transform=ax.transAxes)
    return fig


def _savefig_tight(fig: plt.Figure, dpi: int) -> Image.Image:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return Image.open(buffer).convert("RGB")


@pytest.mark.parametrize("outside", [False, True])
def test_render_matches_savefig_tight(outside: bool) -> None:
    fig = _chart(outside)
    rendered = render_figure(fig, 150)
    reference = _savefig_tight(fig, 150)
    plt.close(fig)
    assert rendered.image.mode == "RGB" and rendered.image.size == reference.size
    diff = np.abs(np.asarray(rendered.image, dtype=int) - np.asarray(reference, dtype=int))
    # the same drawing up to a sub-pixel shift of the antialiased edges
    assert diff.mean() < 8 and (diff.max(axis=2) > 64).mean() < 0.03


def test_transparent_figure_is_flattened_on_white() -> None:
    fig = _chart()
    fig.patch.set_alpha(0.0)
    image = render_figure(fig, 72).image
    plt.close(fig)
    assert image.getpixel((0, 0)) == (255, 255, 255)


def test_resampled_copy_has_the_display_size() -> None:
    fig = _chart()
    rendered = render_figure(fig, FIGURE_DPI)
    small = resampled(rendered, DISPLAY_DPI)
    direct = render_figure(fig, DISPLAY_DPI).image
    plt.close(fig)
    assert abs(small.width - direct.width) <= 1 and abs(small.height - direct.height) <= 1
    assert resampled(rendered, 600) is rendered.image


def test_show_figure_writes_print_png_and_editable_svg(tmp_path, monkeypatch) -> None:
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    reference_fig = _chart()
    reference = _savefig_tight(reference_fig, FIGURE_DPI)
    plt.close(reference_fig)
    figure = _chart()
    written = show_figure(figure, "prova", tmp_path)
    assert [p.name for p in written] == ["prova.png", "prova.svg"]
    png = Image.open(tmp_path / "figures" / "prova.png")
    assert png.mode == "RGB" and round(png.info["dpi"][0]) == FIGURE_DPI
    assert png.size == reference.size
    svg = (tmp_path / "figures" / "prova.svg").read_text(encoding="utf-8")
    assert re.search(r"<text[^>]*>Prova di resa</text>", svg)  # text stays text, editable
    assert len(shown) == 1 and shown[0].width == pytest.approx(png.width / FIGURE_DPI * 96, abs=2)
    # the figure it drew is closed (other tests in the same worker may leave figures of their own open)
    assert not plt.fignum_exists(figure.number)
