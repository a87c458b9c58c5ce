"""The hand-written SVG charts: valid images that the Dagster UI can show from markdown."""

import base64
import datetime as dt
import xml.etree.ElementTree as ET

from ml_assets.artifacts import artifact_version
from ml_assets.charts import heatmap, line_chart, markdown_image


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
