"""The commissioners' view of placements on the sample warehouse: plans in independent or non-maintained special
schools benchmarked and ranked from DfE's published figures, and the setting mix in every published year, for
partners, the public and signed-out readers alike (published figures are open to everyone)."""

from __future__ import annotations

import pytest

from tests.server.conftest import sample_page_modules
from tests.server.test_pages import assert_clean, find, is_problem
from tests.server.tree import texts

BRISTOL, LEEDS = "E06000023", "E08000035"
INDEPENDENT = "ehcp_independent_special"


@pytest.fixture(scope="module")
def pages(sample_server):
    """The page modules, called directly as a partner; `sample_server` builds the app on the sample warehouse
    first, so the pages are registered whichever test module runs before this one."""
    yield from sample_page_modules()


@pytest.fixture(scope="module")
def catalogue_ids(pages):
    from dashboard import views

    return sorted(views.get_engine().catalogue.indicators)


def _part(tree, part_id: str) -> str:
    [found] = find(tree, lambda n: getattr(n, "id", None) == part_id)
    return " ".join(texts(found))


def _table(tree, part_id: str) -> list[list[str]]:
    """The rows of the "View as table" table inside one chart, as text."""
    [found] = find(tree, lambda n: getattr(n, "id", None) == part_id)
    rows = find(found, lambda n: type(n).__name__ == "Tr")
    return [[" ".join(texts(cell)) for cell in row.children] for row in rows]


@pytest.mark.parametrize("reader", ["partner", "public", "signed out"])
def test_independent_special_share_is_benchmarked_from_published_figures(pages, catalogue_ids, become, reader):
    if reader == "signed out":
        become(None)
    query = {"area": BRISTOL, **({"audience": "public"} if reader == "public" else {})}
    tree = pages["commissioners"].layout(**query)
    assert_clean(tree, catalogue_ids)
    assert not is_problem(tree)
    text = _part(tree, f"comm-bench-{INDEPENDENT}")
    # caseload.csv 2024/25 by hand: Bristol (205 + 3) / 4931 = 4.2%; South West (3553 + 449) / 62875 = 6.4%;
    # England (29647 + 4381) / 638745 = 5.3%; the statistical neighbours run from Southend-on-Sea,
    # (12 + 2) / 1992 = 0.7%, to Bournemouth, Christchurch and Poole, (268 + 240) / 4432 = 11.5%
    for words in ("2024/25", "4.2%", "6.4%", "5.3%", "Southend-on-Sea", "0.7%",
                  "Bournemouth, Christchurch and Poole", "11.5%"):
        assert words in text, words
    ranked_links = [a.href for a in find(tree, lambda n: type(n).__name__ == "A" and "#ranked" in str(n.href))]
    assert any(f"indicator={INDEPENDENT}" in href for href in ranked_links)


def test_every_council_is_ranked_on_the_independent_special_share(pages):
    tree = pages["commissioners"].layout(area=BRISTOL, indicator=INDEPENDENT)
    text = _part(tree, "comm-ranked")
    assert "Plans in independent or non-maintained special schools" in text and "Not ranked" not in text
    rows = _table(tree, "comm-ranked")
    assert any("Bristol, City of" in " ".join(r) and "4.2%" in r for r in rows)


@pytest.mark.parametrize("reader", ["partner", "public"])
def test_the_setting_mix_is_shown_for_every_published_year(pages, catalogue_ids, reader):
    query = {"area": BRISTOL, **({"audience": "public"} if reader == "public" else {})}
    tree = pages["commissioners"].layout(**query)
    assert_clean(tree, catalogue_ids)
    rows = _table(tree, "comm-settings-over-time")
    years = ["2018/19", "2019/20", "2020/21", "2021/22", "2022/23", "2023/24", "2024/25"]
    assert rows[0] == ["Type of setting", *years]  # every published year, and no local one
    by_setting = {r[0]: r[1:] for r in rows[1:]}
    # caseload.csv, Bristol: special_total / ehcplans, 977 / 2280 = 42.9% (2018/19), 1328 / 4931 = 26.9% (2024/25);
    # mainstream_total 601 / 2280 = 26.4%, 2086 / 4931 = 42.3%
    assert by_setting["Special school"][0] == "42.9%" and by_setting["Special school"][-1] == "26.9%"
    assert by_setting["Mainstream school"][0] == "26.4%" and by_setting["Mainstream school"][-1] == "42.3%"
    assert "School outside the area" not in by_setting  # a local group: the published years have none
    text = _part(tree, "comm-settings-over-time")
    assert "Special school down from 42.9% to 26.9%" in text
    assert find(tree, lambda n: getattr(n, "id", None) == "comm-settings-over-time-graph")


def test_the_setting_mix_over_time_for_a_council_without_local_data(pages):
    tree = pages["commissioners"].layout(area=LEEDS)
    rows = _table(tree, "comm-settings-over-time")
    assert len(rows[0]) == 1 + 7
    by_setting = {r[0]: r[1:] for r in rows[1:]}
    # caseload.csv, Leeds 2024/25: special_total / ehcplans by hand, 2443 / 6093 = 40.1%
    assert by_setting["Special school"][-1] == "40.1%"
