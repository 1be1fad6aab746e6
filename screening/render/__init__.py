"""Report renderers beyond JSON: Markdown, a self-contained HTML page, SARIF 2.1.0, JUnit XML; and a folder's
index. Each takes the report dict (the stable JSON interface), so any format can be rendered again from a saved
``REPORT.json`` (``screening report``)."""

from __future__ import annotations

from typing import Any

from screening.baseline import Key

FORMATS = ("json", "md", "html", "sarif", "junit")
SUFFIX = {"json": ".report.json", "md": ".report.md", "html": ".report.html", "sarif": ".sarif", "junit": ".junit.xml"}


def render(
    reports: list[dict[str, Any]], fmt: str, accepted: set[Key] | None = None, fail_on: int | None = None
) -> str:
    """One text in ``fmt`` for the reports: SARIF and JUnit hold every report in one log; JSON is an array of
    several; Markdown and HTML are one document per report, so they take exactly one."""
    from screening.report import to_json, to_markdown

    if fmt == "json":
        return to_json(reports if len(reports) != 1 else reports[0])
    if fmt == "sarif":
        from screening.render.sarif import to_sarif

        return to_sarif(reports, accepted)
    if fmt == "junit":
        from screening.render.junit import to_junit

        return to_junit(reports, accepted, fail_on)
    if fmt == "md":
        return "\n".join(to_markdown(r) for r in reports)
    if fmt == "html":
        from screening.render.html import to_html

        if len(reports) != 1:
            raise ValueError("an HTML page holds one report")
        return to_html(reports[0])
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
