"""Ratings, narrative and ranks on the sample warehouse: the narrative's lists are the tiles' ratings for every
council, counts are never ranked as raw counts, the synthetic banner shows only beside local figures, stale
figures say so, and the board is given questions linked to their evidence."""

from __future__ import annotations

from datetime import date

import pytest

from tests.server.conftest import sample_page_modules
from tests.server.test_pages import classes, find, texts

BRISTOL, RUTLAND, KENT, LEEDS = "E06000023", "E06000017", "E10000016", "E08000035"
NO_ATTENTION = "No measure clearly needs attention"


@pytest.fixture(scope="module")
def board():
    yield from sample_page_modules("SEND_STALE_AFTER_DAYS")


def _tiles(tree) -> dict[str, str]:
    """{indicator id: the tile's colour} from a rendered board (the id is in the tile's title link)."""
    out = {}
    for tile in find(tree, lambda n: type(n).__name__ == "Li" and classes(n).startswith("tile")):
        [link] = find(tile, lambda n: type(n).__name__ == "A" and "/indicator/" in str(getattr(n, "href", "")))[:1]
        out[link.href.split("/indicator/")[1].split("?")[0]] = classes(tile).split("tile--")[-1]
    return out


def _listed(tree, column: str) -> set[str]:
    found = find(tree, lambda n: f"narrative-columns__column--{column}" in classes(n))[0]
    links = find(found, lambda n: type(n).__name__ == "A")
    return {a.href.split("/indicator/")[1].split("?")[0] for a in links}


# --- one rating: tile and narrative agree ---------------------------------------------------------------------

def test_every_council_narrative_lists_equal_the_tile_ratings(board):
    """All 153 councils, latest period: needs attention = the red tiles, going well = the green tiles."""
    from dashboard import views
    from dashboard.components import rating
    from dashboard.narrative import GOING_WELL, NEEDS_ATTENTION, narrative

    engine = views.get_engine()
    ids, _ = views.kpi_ids(engine)
    councils = [a for a in engine.areas() if a.level == views.LA_LEVEL]
    assert len(councils) == 153
    disagree, red_somewhere = [], 0
    for area in councils:
        ctx = views.context({"area": area.code})
        heads = [h for h in (views.headline(ctx, i) for i in ids) if h.benchmark and not h.problem]
        rag = {h.indicator_id: rating(h.benchmark)[0] for h in heads}
        found = narrative({h.indicator_id: h.benchmark for h in heads}, {h.indicator_id: h.indicator for h in heads},
                          area.name, area_code=area.code)
        red = {i for i, r in rag.items() if r == "red"}
        green = {i for i, r in rag.items() if r == "green"}
        red_somewhere += bool(red)
        if red != {s.indicator_id for s in found[NEEDS_ATTENTION]} or \
                green != {s.indicator_id for s in found[GOING_WELL]}:
            disagree.append(area.code)
    assert disagree == []
    assert red_somewhere > 50  # the check is not empty: many councils have a red tile


@pytest.mark.parametrize("code", [RUTLAND, KENT, BRISTOL])
def test_rendered_board_lists_exactly_its_red_and_green_tiles(board, code):
    tree = board["board"].layout(area=code)
    tiles = _tiles(tree)
    assert _listed(tree, "attention") == {i for i, c in tiles.items() if c == "red"}
    assert _listed(tree, "well") == {i for i, c in tiles.items() if c == "green"}
    text = " ".join(texts(tree))
    if "red" in tiles.values():
        assert NO_ATTENTION not in text


def test_rutland_attainment_8_gap_is_similar_not_red(board):
    """Rutland's Attainment 8 gap was red on its tile while the narrative called it going well; within the
    1-point band of similarity for gaps it now reads similar (amber) in colour and words."""
    from dashboard import views

    ctx = views.context({"area": RUTLAND})
    head = views.headline(ctx, "ks4_attainment8_gap_ehcp")
    bench = head.benchmark
    assert bench.similar_within == 1.0
    gap = abs(bench.value - bench.published.sn_mean)
    assert gap == pytest.approx(0.2, abs=0.05)  # 32.9 against the neighbours' 32.7 (LAIT 2024/25)
    assert bench.rag_against_neighbours == "amber"
    tile = board["board"].tile(ctx, head)
    assert "tile--amber" in classes(tile)
    assert "Amber — similar to statistical neighbours" in " ".join(texts(tile))


# --- ranks ---------------------------------------------------------------------------------------------------

def test_counts_are_not_ranked_as_raw_counts(board):
    """The bundle has no 0-25 population for every council, so a count is not ranked, and the page says why."""
    from dashboard import views

    ctx = views.context({"area": KENT})
    published = views.headline(ctx, "ehcp_caseload").benchmark.published
    assert published.rank is None and published.quartile_band is None
    assert "0-25 population" in published.rank_note
    tile = board["board"].tile(ctx, views.headline(ctx, "ehcp_caseload"))
    text = " ".join(texts(tile))
    assert "Not ranked" in text and " of 153" not in text
    percent = views.headline(ctx, "ehcp_issued_20wk").benchmark.published
    assert percent.rank_out_of == 153  # percentages are still ranked


# --- the synthetic-data banner ---------------------------------------------------------------------------------

def _banner(tree) -> bool:
    return bool(find(tree, lambda n: "banner--synthetic" in classes(n)))


def test_synthetic_banner_only_where_local_figures_are_shown(board):
    assert _banner(board["board"].layout(area=BRISTOL))  # the sample's own council: local figures
    assert not _banner(board["board"].layout(area=LEEDS))  # another council: published figures only
    assert _banner(board["indicator"].layout(indicator_id="ehcp_issued_20wk", area=BRISTOL))
    assert not _banner(board["indicator"].layout(indicator_id="ks4_attainment8_gap_ehcp", area=BRISTOL))
    assert not _banner(board["indicator"].layout(indicator_id="ehcp_issued_20wk", area=LEEDS))
    assert not _banner(board["dictionary"].layout())


def test_the_shell_carries_no_synthetic_banner(board):
    from dashboard import shell

    assert not _banner(shell.frame())


# --- staleness -------------------------------------------------------------------------------------------------

def test_staleness_with_a_fixed_clock(board, monkeypatch):
    """The sample extract runs to 15 January 2026; SEN2 figures' next update is 25 June 2026 (catalogue)."""
    from dashboard import views

    ctx = views.context({"area": BRISTOL})
    local = views.headline(ctx, "ehcp_issued_20wk")
    assert views.staleness(ctx, local, today=date(2026, 2, 1)) is None  # 17 days old, nothing due
    note = views.staleness(ctx, local, today=date(2026, 7, 1))
    assert note == ("May be out of date: The council's extract runs to 15 January 2026, 167 days ago (older than "
                    "45 days). DfE was due to publish newer figures on 25 June 2026; load them to update these.")
    monkeypatch.setenv("SEND_STALE_AFTER_DAYS", "200")
    assert "extract" not in views.staleness(ctx, local, today=date(2026, 7, 1))
    leeds = views.context({"area": LEEDS})
    published = views.headline(leeds, "ehcp_issued_20wk")
    assert views.staleness(leeds, published, today=date(2026, 6, 25)) is None  # due today: not yet late
    assert views.staleness(leeds, published, today=date(2026, 6, 26)).startswith("May be out of date: DfE was due")


def test_stale_figures_say_so_on_their_tile(board):
    """Today is after the sample extract's 45 days, so a local tile says so beside its figure."""
    from dashboard import views

    ctx = views.context({"area": BRISTOL})
    tile = board["board"].tile(ctx, views.headline(ctx, "ehcp_issued_20wk"))
    stale = find(tile, lambda n: "tile__stale" in classes(n))
    assert stale and "May be out of date" in " ".join(texts(stale[0]))


# --- questions and the key -------------------------------------------------------------------------------------

def test_board_ends_with_questions_linked_to_their_evidence(board):
    tree = board["board"].layout(area=KENT)
    [section] = find(tree, lambda n: "narrative-questions" in classes(n))
    items = find(section, lambda n: type(n).__name__ == "Li")
    assert 2 <= len(items) <= 3
    for item in items:
        links = find(item, lambda n: type(n).__name__ == "A")
        assert links and links[0].href.startswith("/indicator/") and f"area={KENT}" in links[0].href
        assert "?" in " ".join(texts(item))


def test_key_explains_colours_arrows_bands_and_the_band_of_similarity(board):
    tree = board["board"].layout(area=BRISTOL)
    [key] = find(tree, lambda n: "symbols-legend" in classes(n))
    text = " ".join(texts(key))
    for words in ("Colours", "Arrows", "Bands and ranks", "2.0 percentage points for percentages",
                  "1.0 points for gaps", "95% confidence interval", "per 10,000 of the 0-25 population"):
        assert words in text


def test_commissioners_do_not_rank_every_council_on_a_raw_count(board):
    tree = board["commissioners"].layout(area=KENT, indicator="residential_placements")
    [ranked] = find(tree, lambda n: getattr(n, "id", None) == "comm-ranked")
    text = " ".join(texts(ranked))
    assert "Not ranked" in text and "0-25 population" in text
    assert not find(ranked, lambda n: type(n).__name__ == "Graph")


def test_board_pack_lists_its_table_ratings_asks_questions_and_keeps_synthetic_notes_to_local_figures(board):
    from dashboard import pdf, views

    ctx = views.context({"area": KENT})
    sections = pdf.pack(ctx)
    text = " ".join(texts(sections))
    [table] = find(sections, lambda n: "pack__table" in classes(n))
    rows = [r for r in find(table, lambda n: type(n).__name__ == "Tr") if len(r.children) == 7]
    red = {" ".join(texts(r.children[0])) for r in rows if " ".join(texts(r.children[4])).startswith("Red")}
    summary = find(sections, lambda n: "narrative__column--attention" in classes(n))[0]
    listed = {a.href.split("/indicator/")[1].split("?")[0] for a in find(summary, lambda n: type(n).__name__ == "A")}
    ids = {views.headline(ctx, i).title: i for i in views.kpi_ids(ctx.engine)[0]}
    assert red and {ids[r] for r in red} == listed
    assert "Questions the board could ask" in text
    notes = " ".join(texts(sections[-1]))
    assert "Amber: close to target" in notes and "A to D: quartile bands" in notes  # the key, in the notes
    assert "Synthetic data." not in text  # Kent's pack shows published figures only
    assert "Synthetic data." in " ".join(texts(pdf.pack(views.context({"area": BRISTOL}))))
