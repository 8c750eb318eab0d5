"""A journey with the keyboard alone (WCAG 2.2 2.1.1, 2.4.7, 2.4.11): a signed-out visitor signs in with the demo
form, reaches the board, opens an indicator, changes its breakdown, drills into a ward, downloads the measure's
CSV from the data book, and reaches each audience's views and the officers' tools. Only Tab, Shift+Tab, Enter and
Space are pressed (typing fills the form's two boxes); no element is clicked or focused by script.

The journey runs twice: in normal colours, and with forced colours on (Windows' contrast themes), where the browser
drops every box shadow and background, so only an outline shows focus.

Every element focus lands on on the way is checked: it shows a focus indicator (an outline or a box shadow), that
indicator is drawn by focus (the element's outline, shadow, background or colours differ once focus moves on), and
it is not hidden: the element is in the window, on top at its centre, and no box that clips its overflow cuts it.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import DOWNLOADS, screenshot, settle

SETTLE_FRAMES = 10  # frames waited, at most, for focus to come into view (AG Grid scrolls to a cell after focus)
NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
MOST_TABS = 250  # per step: a step that needs more is a keyboard trap or a page far too long to tab through

# The focused element: what it is, how it shows focus, and whether anything hides it.
FOCUSED = r"""() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2
        && !/^rgba\(.*,\s*0\)$/.test(style.outlineColor) && style.outlineColor !== 'transparent' ? `${style.outlineWidth} ${style.outlineStyle} ${style.outlineColor}` : '';
    const shadow = style.boxShadow !== 'none' ? style.boxShadow : '';
    const box = el.getBoundingClientRect();
    // how far the ring reaches outside the element's box (an outline drawn inside it, offset inwards, reaches none)
    const ring = outline ? Math.max(0, parseFloat(style.outlineWidth) + (parseFloat(style.outlineOffset) || 0)) : 0;
    const hidden = [];
    if (box.width < 1 || box.height < 1) hidden.push(`it is ${box.width} x ${box.height} px`);
    if (box.bottom <= 0 || box.top >= innerHeight || box.right <= 0 || box.left >= innerWidth)
        hidden.push('it is outside the window');
    const line = el.getClientRects()[0] || box;  // a link wrapped over two lines: the middle of its first line
    const x = Math.min(Math.max(line.left + line.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(line.top + line.height / 2, 0), innerHeight - 1);
    const top = document.elementFromPoint(x, y);
    if (top && top !== el && !el.contains(top) && !(top.control === el))
        hidden.push(`${top.tagName.toLowerCase()}.${top.className} covers it`);
    for (let up = el.parentElement; up && up !== document.documentElement; up = up.parentElement) {
        const clip = getComputedStyle(up);
        if (clip.overflowX === 'visible' && clip.overflowY === 'visible') continue;
        const edge = up.getBoundingClientRect();
        if (box.left - ring < edge.left - 0.5 || box.right + ring > edge.right + 0.5 ||
            box.top - ring < edge.top - 0.5 || box.bottom + ring > edge.bottom + 0.5)
            hidden.push(`${up.tagName.toLowerCase()}.${up.className} cuts it (overflow ${clip.overflowX})`);
    }
    window.__focused = el;
    return {tag: el.tagName.toLowerCase(), text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim(),
            href: el.getAttribute('href') || '', id: el.id, outline, shadow,
            look: [style.outlineStyle, style.outlineWidth, style.outlineColor, style.boxShadow, style.backgroundColor,
                   style.color, style.borderColor, style.textDecorationLine].join(' | '),
            hidden};
}"""

# How the element focused before looks now that focus has moved on (null if it left the page).
BEFORE = """() => { const el = window.__before;
    if (!el || !el.isConnected || el === document.activeElement) return null;
    const style = getComputedStyle(el);
    return [style.outlineStyle, style.outlineWidth, style.outlineColor, style.boxShadow, style.backgroundColor,
            style.color, style.borderColor, style.textDecorationLine].join(' | '); }"""


class Keyboard:
    """Presses keys on a page and checks the focus indicator of every element focus lands on."""

    def __init__(self, page, *, outline_only: bool = False):
        self.page = page
        self.outline_only = outline_only  # forced colours: a shadow is not drawn, so it shows nothing
        self.problems: list[str] = []
        self.stops = 0
        self.last: dict | None = None

    def press(self, key: str) -> dict | None:
        if self.last is not None:
            self.page.evaluate("() => { window.__before = window.__focused; }")
        self.page.keyboard.press(key)
        focused = self.page.evaluate(FOCUSED)
        for _ in range(SETTLE_FRAMES):  # a grid scrolls a focused cell into view a frame or two later
            if focused is None or not focused["hidden"]:
                break
            self.page.evaluate(NEXT_FRAME)
            focused = self.page.evaluate(FOCUSED)
        where = self.page.url.split("/", 3)[-1]
        if self.last is not None:  # the indicator came with focus: the element looks different without it
            after = self.page.evaluate(BEFORE)
            if after is not None and after == self.last["look"]:
                self.problems.append(f"/{where}: {self._name(self.last)} looks the same focused and not")
        if focused is not None:
            self.stops += 1
            if not (focused["outline"] or (focused["shadow"] and not self.outline_only)):
                shown = "outline (forced colours draw no shadow)" if self.outline_only else "outline or shadow"
                self.problems.append(f"/{where}: {self._name(focused)} shows no {shown} when focused")
            self.problems += [f"/{where}: {self._name(focused)}: {why}" for why in focused["hidden"]]
        self.last = focused
        return focused

    def tab_to(self, text: str = "", *, id: str = "", back: bool = False) -> dict:
        """Tab (Shift+Tab with `back`) until focus is on the element whose text is `text` (or whose id is `id`)."""
        for _ in range(MOST_TABS):
            focused = self.press("Shift+Tab" if back else "Tab")
            if focused and ((id and focused["id"] == id) or (not id and focused["text"] == text)):
                return focused
        raise AssertionError(f"{self.page.url}: '{text or '#' + id}' not reached in {MOST_TABS} presses of "
                             f"{'Shift+Tab' if back else 'Tab'}")

    def follow(self, text: str, *, key: str = "Enter") -> None:
        """Tab to a link or button and press it; wait for the page it opens."""
        self.tab_to(text)
        self.last = None  # the page it leaves cannot be compared
        self.page.keyboard.press(key)
        settle(self.page)

    @staticmethod
    def _name(focused: dict) -> str:
        return f"{focused['tag']} '{focused['text'][:40]}'" + (f" ({focused['href'][:50]})" if focused["href"] else "")


def h1(page) -> str:
    return page.get_by_role("heading", level=1).inner_text().strip()


@pytest.mark.parametrize("colours", ["normal", "forced"])
def test_a_keyboard_user_signs_in_and_reaches_every_view_drill_down_and_download(browser, app_url, colours):
    forced = colours == "forced"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True,
                                  forced_colors="active" if forced else "none")
    page = context.new_page()  # no cookie: signed out
    page.set_default_timeout(30_000)
    keys = Keyboard(page, outline_only=forced)
    page.goto(app_url + "/")
    settle(page)
    assert page.evaluate("() => matchMedia('(forced-colors: active)').matches") is forced

    # The skip link comes first; then the header's sign-in link opens the form.
    assert keys.press("Tab")["text"] == "Skip to main content"
    keys.follow("Sign in")
    assert page.url.endswith("/sign-in") and h1(page) == "Sign in"
    keys.tab_to(id="sign-in-login")
    page.keyboard.type("officer")
    keys.press("Tab")
    page.keyboard.type("demo")
    keys.tab_to("Sign in")
    keys.press("Shift+Tab")  # back to the password box, and on again to the button
    assert page.evaluate("() => document.activeElement.id") == "sign-in-password"
    keys.follow("Sign in", key="Space")
    page.wait_for_url("**/")
    assert "Demo officer" in page.locator(".header__account").inner_text()

    # The board, and from its first tile the indicator's report.
    keys.follow("Board (LASSPG)")
    assert h1(page).startswith("Board view: ")
    tile = page.locator(".tile__title a").first
    title, href = tile.inner_text().strip(), tile.get_attribute("href")
    keys.follow(title)
    assert page.url.endswith(href), (page.url, href)
    indicator = href.split("?")[0].rsplit("/", 1)[-1]

    # Its breakdown changed to wards, then a ward opened from the keyboard list of the ward map.
    keys.follow("Ward of residence")
    assert "breakdown=ward" in page.url
    keys.tab_to("Open a ward")
    keys.press("Enter")  # a <summary>: Enter opens its list, focus stays on it
    assert page.locator("details", has=page.locator("summary", has_text="Open a ward")).evaluate("d => d.open")
    ward = keys.press("Tab")
    assert ward["href"] and "ward=" in ward["href"], ward
    keys.last = None
    page.keyboard.press("Enter")
    settle(page)
    assert "ward=" in page.url and page.locator("#drill").inner_text().strip() == f"Ward: {ward['text']}"

    # The measure in the data book, and its CSV.
    keys.follow("This measure in the data book")
    assert "/data-book" in page.url and f"indicator={indicator}" in page.url
    keys.tab_to("CSV (comma-separated values)")
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    download = info.value
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    download.save_as(DOWNLOADS / "keyboard.csv")
    assert download.suggested_filename.startswith(f"{indicator}_") and download.suggested_filename.endswith(".csv")
    assert (DOWNLOADS / "keyboard.csv").read_text(encoding="utf-8-sig").startswith("Indicator ID,")

    # Each audience's view, and the officers' tools in the header.
    for link, heading in (("Performance clinic", "Performance clinic"), ("Commissioners", "Commissioners"),
                          ("The councils whose records are loaded, compared month by month", "Councils compared"),
                          ("Open cases", "Open cases"),
                          ("Data quality", "Data quality"), ("SEN2 reconciliation", "SEN2 reconciliation")):
        keys.follow(link)
        assert h1(page).startswith(heading), (link, h1(page))
    screenshot(page, f"keyboard_journey_end_{colours}")
    context.close()
    assert keys.problems == [], f"{len(keys.problems)} problem(s) in {keys.stops} focus stops: {keys.problems[:20]}"
    assert keys.stops > 100  # the journey tabbed through the pages, not past them
