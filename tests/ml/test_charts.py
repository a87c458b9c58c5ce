"""The hand-written SVG charts: valid images that the Dagster UI can show from markdown."""

import base64
import datetime as dt
import xml.etree.ElementTree as ET

from ml_assets.artifacts import artifact_version
from ml_assets.charts import (
    heatmap,
    labelled_positions,
    line_chart,
    markdown_image,
    unbroken_runs,
    value_range,
)


def test_line_chart_is_valid_svg_with_gaps_band_and_legend():
    svg = line_chart(
        ["Mon", "Tue", "Wed", "Thu"],
        {"actual": [1.0, None, 3.0, 2.5], "forecast": [None, None, 3.0, 4.0]},
        title="Revenue <per day>",
        band=([None, None, 2.5, 3.0], [None, None, 3.5, 5.0]),
        band_label="80% interval",
        marker_index=2,
    )
    root = ET.fromstring(svg)  # noqa: S314 -- our own output, not untrusted input
    texts = [element.text for element in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Revenue <per day>" in texts
    assert {"actual", "forecast", "80% interval"} <= set(texts)
    # The gap splits "actual" into two polylines.
    assert len(list(root.iter("{http://www.w3.org/2000/svg}polyline"))) == 3


def test_heatmap_is_valid_svg_with_a_cell_per_value():
    svg = heatmap(
        ["a", "b"], ["x", "y", "z"], [[0.0, 1.0, -3.0], [float("nan"), 2, 0]], [["1"] * 3] * 2, "t"
    )
    root = ET.fromstring(svg)  # noqa: S314 -- our own output, not untrusted input
    assert len(list(root.iter("{http://www.w3.org/2000/svg}rect"))) == 1 + 6


def test_markdown_image_embeds_the_svg_as_a_data_uri():
    markdown = markdown_image("<svg xmlns='http://www.w3.org/2000/svg'/>", "chart")
    prefix = "![chart](data:image/svg+xml;base64,"
    assert markdown.startswith(prefix) and markdown.endswith(")")
    assert base64.b64decode(markdown[len(prefix) : -1]).startswith(b"<svg")


def test_artifact_versions_sort_by_time_and_name_the_run():
    earlier = artifact_version("abcdef123456", dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    later = artifact_version("000000000000", dt.datetime(2026, 1, 2, 3, 4, 6, tzinfo=dt.UTC))
    assert earlier == "20260102T030405Z-abcdef12"
    assert earlier < later


def test_gaps_and_values_that_cannot_be_drawn_split_a_line_into_runs():
    inf, nan = float("inf"), float("nan")
    assert unbroken_runs([1.0, 2.0, 3.0]) == [[(0, 1.0), (1, 2.0), (2, 3.0)]]
    assert unbroken_runs([None, 1.0, None, None, 2.0, 3.0]) == [[(1, 1.0)], [(4, 2.0), (5, 3.0)]]
    assert unbroken_runs([1.0, nan, 2.0, inf, -inf]) == [[(0, 1.0)], [(2, 2.0)]]
    assert unbroken_runs([None, nan]) == []
    assert unbroken_runs([]) == []


def test_long_x_axes_label_about_ten_positions_and_always_the_last():
    assert labelled_positions(0) == []
    assert labelled_positions(1) == [0]
    assert labelled_positions(10) == list(range(10))
    assert labelled_positions(11) == [0, 2, 4, 6, 8, 10]
    assert labelled_positions(37) == [0, 4, 8, 12, 16, 20, 24, 28, 32, 36]
    assert labelled_positions(70) == [*range(0, 70, 7), 69]


def test_y_axis_range_covers_lines_and_band_and_defaults_when_there_is_nothing():
    assert value_range({"a": [3.0, None, 5.0]}, None) == (3.0, 5.0)
    assert value_range({"a": [3.0, 5.0]}, ([1.0, None], [None, 9.0])) == (1.0, 9.0)
    assert value_range({"a": [None]}, ([None], [None])) == (0.0, 1.0)
    assert value_range({}, None) == (0.0, 1.0)


def legend_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)  # noqa: S314 -- our own output, not untrusted input
    return [element.text for element in root.iter("{http://www.w3.org/2000/svg}text")]


def test_band_is_named_in_the_legend_only_when_drawn_and_labelled():
    with_band = line_chart(
        ["a", "b"], {"x": [1.0, 2.0]}, "t", band=([0, 1], [2, 3]), band_label="b80"
    )
    no_band = line_chart(["a", "b"], {"x": [1.0, 2.0]}, "t", band_label="b80")
    unlabelled = line_chart(["a", "b"], {"x": [1.0, 2.0]}, "t", band=([0, 1], [2, 3]))
    assert "b80" in legend_texts(with_band)
    assert "b80" not in legend_texts(no_band)
    assert "<polygon" in unlabelled and "<polygon" not in no_band
