"""The accessibility statement says what was tested, with what and when: the axe-core and Playwright versions it
names are the installed ones (read here from what those packages install, not through the page's own helper),
the date of the last review by hand is given, and the known issues are listed."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

import dash
import pytest

from tests.server import tree
from tests.server.test_shell import app_on  # noqa: F401  (the fixture)


@pytest.fixture()
def statement(app_on, samples_warehouse):  # noqa: F811
    app_on(samples_warehouse)
    page = dash.page_registry["pages.accessibility"]
    page["layout"].__globals__["tool_versions"].cache_clear()
    yield page
    page["layout"].__globals__["tool_versions"].cache_clear()


def _text(page) -> str:
    return " ".join(tree.text(page["layout"]()).split())


def test_the_statement_names_the_installed_test_tools_the_review_date_and_the_known_issues(statement):
    import axe_playwright_python

    first_line = Path(axe_playwright_python.__file__).with_name("axe.min.js").read_text(encoding="utf-8").split("\n")[0]
    axe = first_line.removeprefix("/*! axe v").strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+", axe), first_line
    text = _text(statement)
    assert f"axe-core {axe} (its rules for WCAG 2.0, 2.1 and 2.2" in text
    assert f"Chromium web browser (Debian's package) driven by Playwright {version('playwright')};" in text
    assert "runs the suite on every change" in text and "The date it last ran is in the project's test records" in text
    assert "On 30 November 2026 the team checked, by hand" in text
    assert "prepared on 30 November 2026" in text
    [issues] = tree.find(statement["layout"](), lambda n: getattr(n, "id", None) == "known-issues")
    assert len(issues.children) == 5 and "partially compliant" in text


def test_a_tool_that_is_not_installed_is_said_to_be_missing(statement, monkeypatch):
    monkeypatch.setitem(statement["layout"].__globals__, "util", SimpleNamespace(find_spec=lambda name: None))
    assert "axe-core not installed on this server (its rules" in _text(statement)
