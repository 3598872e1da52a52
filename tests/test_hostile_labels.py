"""Labels are data, never markup or script: every page and picture the library writes, with
labels built to break out of HTML, JSON, a template or a format string, shows them as text.

The builds run everywhere; the browser half opens each page in headless Chromium (as
test_page_browser.py does) and checks that no payload ran, the page has no console error and
the label is on it as text (a lone surrogate as U+FFFD, as every view shows it).
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path
from typing import Any

import pytest

from microgradkr import Value
from microgradkr.viz.dot import draw
from microgradkr.viz.explain import explain, paren, readable
from microgradkr.viz.fmt import short
from microgradkr.viz.notebook import bundle
from microgradkr.viz.page import explore, script_json
from microgradkr.viz.steps import steps_html, write_steps

RUN = "window.__pwned = (window.__pwned || 0) + 1; document.title = /PWNED/.source"
LABELS = [
    f"<img src=x onerror='{RUN}'>{{frames}}",
    f'<img src=x onerror="{RUN}">{{frames}}{{svg}}$scene',
    f"</script><script>{RUN}</script>",
    f"<svg onload='{RUN}'>",
    '"',
    "'",
    "&amp;",
    "{0}",
    "%s",
    "{captions}{last}",
    "a\u2028b\u2029c",
    "lone \ud800 surrogate",
    "x" * 3000,
]
IDS = ["img-frames", "img-dq", "script", "svg", "dq", "sq", "amp", "fmt", "pct", "fields"]
IDS += ["u2028", "surrogate", "long"]


def graph(label: str) -> tuple[Value, Value]:
    """f = tanh(a*b + a) with the hostile label on the input a, the root named after it too."""
    a, b = Value(0.5, label), Value(-3.0, "b")
    f = (a * b + a).tanh()
    f.label = label + "!"
    f.backward()
    return a, f


def no_markup(page: str) -> None:
    """None of the payloads' tags or script ends made it into the page as markup."""
    for raw in ("<img src=x", "<svg onload", "</script><script>window.__pwned"):
        assert raw not in page


@pytest.mark.parametrize("label", LABELS, ids=IDS)
def test_every_page_builds_and_holds_the_label_only_as_data(label: str, tmp_path: Path) -> None:
    a, f = graph(label)
    page = explore(f, tmp_path / "page.html")
    no_markup(page)
    assert (tmp_path / "page.html").read_text(encoding="utf-8") == page
    assert "\u2028" not in page and "\ud800" not in page
    assert str(explain(a, f)).split("\n")[0].startswith(paren(readable(label)) + ".grad")
    assert "\ud800" not in str(explain(a, f))


def test_script_json_escapes_what_could_end_a_script_or_a_line() -> None:
    text = script_json({"k": "</script><!--&\u2028\u2029>"})
    assert text == '{"k":"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028\\u2029\\u003e"}'


def test_a_lone_surrogate_reads_as_the_replacement_character() -> None:
    assert readable("a\ud800b") == "a\ufffdb" and readable(3) == "3" and readable("ok") == "ok"


dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")


@dot
@pytest.mark.parametrize("label", LABELS, ids=IDS)
def test_the_step_page_and_its_svgs_hold_the_label_only_as_text(label: str, tmp_path: Path):
    import xml.etree.ElementTree as ET

    a, f = graph(label)
    picture = draw(f).pipe(format="svg", encoding="utf-8")
    no_markup(picture)
    assert dot_text(label)[:40] in "".join(
        t.text or "" for t in ET.fromstring(picture).iter() if t.tag.endswith("text")
    )
    no_markup(steps_html(f))
    page = write_steps(f, tmp_path)
    no_markup(page.read_text(encoding="utf-8"))
    svgs = sorted(tmp_path.glob("*.svg"))
    assert svgs
    for svg in svgs:
        text = svg.read_text(encoding="utf-8")
        no_markup(text)
        texts = "".join(t.text or "" for t in ET.fromstring(text).iter() if t.tag.endswith("text"))
        assert dot_text(label)[:40] in texts


def dot_text(label: str) -> str:
    """The label as the DOT pictures show it: cut, anything unprintable as U+FFFD."""
    return "".join(c if c.isprintable() else "\ufffd" for c in short(label))


# -- in a browser ----------------------------------------------------------------------------


try:  # headless Chromium, started as test_page_browser starts it (that module skips without)
    from test_page_browser import browser as chromium  # noqa: F401  (a fixture)

    WHY = ""
except pytest.skip.Exception as skipped:
    WHY = str(skipped.msg)
browser = pytest.mark.skipif(bool(WHY), reason=WHY or "-")


def opened(driver: Any, path: Path) -> None:
    """Open ``path``; no payload ran (no alert, no flag, the title kept), no console error."""
    from selenium.common.exceptions import NoAlertPresentException

    driver.get_log("browser")
    driver.get(path.as_uri())
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018
    assert driver.execute_script("return window.__pwned === undefined")
    assert "PWNED" not in driver.title
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []


def shown(driver: Any) -> str:
    return str(driver.execute_script("return document.body.textContent"))


@browser
@pytest.mark.parametrize("label", LABELS, ids=IDS)
def test_the_explore_page_runs_no_label(chromium: Any, tmp_path: Path, label: str) -> None:
    from selenium.webdriver.common.by import By

    a, f = graph(label)
    path = tmp_path / "page.html"
    explore(f, path, step=None)
    opened(chromium, path)
    assert chromium.execute_script("return document.body.getAttribute('data-ready')") == "1"
    names = [e.get_attribute("data-name") for e in chromium.find_elements(By.CSS_SELECTOR, ".node")]
    assert readable(label) in names and readable(label) + "!" in names
    node = chromium.find_element(By.CSS_SELECTOR, ".node[data-id='0']")
    chromium.execute_script("arguments[0].dispatchEvent(new MouseEvent('click'))", node)
    chromium.execute_script("arguments[0].dispatchEvent(new MouseEvent('mouseenter'))", node)
    text = shown(chromium)
    assert paren(readable(label)) + ".grad = ∂" in text  # the explain panel, as text
    assert chromium.execute_script("return window.__pwned === undefined")


@browser
@dot
@pytest.mark.parametrize("label", LABELS, ids=IDS)
def test_the_step_page_and_svgs_run_no_label(chromium: Any, tmp_path: Path, label: str) -> None:
    a, f = graph(label)
    page = write_steps(f, tmp_path)
    opened(chromium, page)
    chromium.execute_script("document.getElementById('next').click()")
    assert "PWNED" not in chromium.title
    assert dot_text(label)[:40] in shown(chromium)
    for svg in sorted(tmp_path.glob("*.svg"))[:2]:
        opened(chromium, svg)
        assert dot_text(label)[:40] in str(
            chromium.execute_script("return document.documentElement.textContent")
        )


@browser
@pytest.mark.parametrize("label", LABELS, ids=IDS)
def test_the_notebook_frame_runs_no_label(chromium: Any, tmp_path: Path, label: str) -> None:
    """The cell Jupyter shows: the page in a sandboxed iframe (srcdoc), the picture beside it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    a, f = graph(label)
    cell = bundle(f)["text/html"]
    path = tmp_path / "cell.html"
    path.write_text(f"<!DOCTYPE html><html><body>{cell}</body></html>", encoding="utf-8")
    opened(chromium, path)
    chromium.switch_to.frame(chromium.find_element(By.TAG_NAME, "iframe"))
    try:
        WebDriverWait(chromium, 10).until(
            lambda d: d.execute_script("return document.body.getAttribute('data-ready')") == "1"
        )
        assert chromium.execute_script("return window.__pwned === undefined")
        assert "PWNED" not in chromium.title
        names = [
            e.get_attribute("data-name") for e in chromium.find_elements(By.CSS_SELECTOR, ".node")
        ]
        assert readable(label) in names
    finally:
        chromium.switch_to.default_content()
    assert chromium.execute_script("return window.__pwned === undefined")
    assert html.escape("<img") not in chromium.title
