"""Markdown and HTML reports of a run: per-model figures and specialized-against-frontier comparisons."""

from harness.report.render import ReportPaths, render_reports

__all__ = ["ReportPaths", "render_reports"]
