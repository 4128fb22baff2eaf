"""`snakemake --report` on the fixture, looked at as a person would: in headless Chromium.

Runs on the session's fixture tree (tests/conftest.py ``fixture_tree``), writes the report,
opens it with Playwright driving Debian's /usr/bin/chromium (never a downloaded browser),
walks every category and subcategory of the report's menu, opens every result and checks
that images load and tables show, and saves a screenshot for review beside the report (with
GLASSBONDS_UPDATE_SCREENSHOT=1 also as docs/report-screenshot.png, the README's picture).
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.fixture_run import REPO, snakemake

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
README_SCREENSHOT = REPO / "docs/report-screenshot.png"
ITEM = "Zr50Cu50-run1"  # the fixture's inference item
# Category -> subcategory -> number of results the fixture gives (3 bond types).
EXPECTED = {
    "Data": {"Sub-run status": 2, "Bond databases": 2},
    "Models": {
        "Test RMSE": 2,
        "Parity plots": 3,
        "Learning curves": 3,
        "Hyperparameter selection": 3,
        "Cell validation": 1,
    },
    "Inference": {ITEM: 4},
    "Active learning": {"Suggested sub-runs": 1, "Acquisition vs random": 2},
}
PNG_DATA_URI = re.compile(r"data:image/png;[^,\"']*base64,([A-Za-z0-9+/=]+)")


@pytest.fixture(scope="module")
def report_html(fixture_tree: Path) -> Path:
    """The fixture's report, written by `snakemake --report` next to the tree."""
    base = fixture_tree.parent
    report = base / "report.html"
    result = snakemake(base, base / "fixture.yaml", "--report", str(report))
    assert result.returncode == 0, result.stderr[-3000:]
    return report


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright (skips when it is not installed)."""
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (make setup)")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_report(browser, report: Path, errors: list[str], requests: list[str]):
    """A fresh page showing the report's start page; JS errors and non-local requests are
    appended to ``errors`` and ``requests``."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request",
        lambda request: (
            requests.append(request.url)
            if not request.url.startswith(("data:", "file:", "about:", "blob:"))
            else None
        ),
    )
    page.goto(report.as_uri())
    page.wait_for_selector("nav")
    return page


def menu_link(page, text: str):
    return page.locator("nav").get_by_role("link", name=text, exact=True)


def open_subcategory(page, category: str, subcategory: str) -> None:
    """Show a subcategory's results (a category with one subcategory shows them at once)."""
    menu_link(page, category).click()
    if len(EXPECTED[category]) > 1:
        menu_link(page, subcategory).click()
    page.wait_for_selector("nav table tbody tr")


def show_result(page, index: int) -> str:
    """Click the eye button of result ``index`` of the open subcategory; returns what the
    content pane shows: "img" or "html"."""
    page.locator("nav table tbody tr").nth(index).locator('a[iconname="eye"]').click()
    page.wait_for_selector("img[src^='data:image/png'], iframe[src^='data:text/html']")
    return "img" if page.locator("img[src^='data:image/png']").count() else "html"


def test_report_artifacts_are_written(fixture_tree: Path):
    directory = fixture_tree / "report"
    names = ["subrun-status", "bond-databases", "test-rmse"]
    for name in names:
        assert (directory / f"{name}.html").stat().st_size > 0
        assert (directory / f"{name}.png").stat().st_size > 0
    for suffix in (".html", "-icohp.png", "-std.png"):
        assert (directory / "inference" / f"{ITEM}{suffix}").stat().st_size > 0
    rmse = (directory / "test-rmse.html").read_text()
    for published in ("0.0906", "0.0826", "0.0476"):  # Zr-Zr, Zr-Cu, Cu-Cu of the study
        assert published in rmse
    status = (directory / "subrun-status.html").read_text()
    assert "Zr50Cu50" in status and "Zr25Cu75" in status and "DONE" in status


def test_report_is_one_self_contained_file(report_html: Path):
    text = report_html.read_text()
    assert not re.search(r"<(?:script|img|iframe)[^>]*\ssrc=[\"'](?:https?:)?//", text)
    assert not re.search(r"<link[^>]*\shref=[\"'](?:https?:)?//", text)
    assert "subrun-status.html" in text and f"{ITEM}-icohp.png" in text


def test_every_embedded_png_decodes(report_html: Path):
    from PIL import Image

    images = PNG_DATA_URI.findall(report_html.read_text())
    # 3 parity, 3 learning-curve, 3 hyperparameter, 1 validation, 5 report plots.
    assert len(images) >= 15
    for encoded in images:
        with Image.open(io.BytesIO(base64.b64decode(encoded))) as image:
            image.verify()
            assert image.format == "PNG" and min(image.size) > 50


def test_report_ui_shows_every_category_and_result(browser, report_html: Path):
    errors: list[str] = []
    requests: list[str] = []
    page = open_report(browser, report_html, errors, requests)
    front = page.inner_text("body")
    assert "Generate+ETL" in front and "Zr50Cu50, Zr25Cu75" in front  # workflow.rst
    for category in EXPECTED:
        assert menu_link(page, category).count() == 1, f"no category {category} in the menu"
    page.close()

    for category, subcategories in EXPECTED.items():
        for subcategory, count in subcategories.items():
            page = open_report(browser, report_html, errors, requests)
            open_subcategory(page, category, subcategory)
            rows = page.locator("nav table tbody tr")
            assert rows.count() == count, f"{category}/{subcategory}: {rows.count()} results"
            for index in range(count):
                if show_result(page, index) == "img":
                    image = page.locator("img[src^='data:image/png']")
                    image.wait_for()
                    width = image.evaluate("i => i.decode().then(() => i.naturalWidth)")
                    assert width > 0, f"{category}/{subcategory} result {index}: no image"
                else:
                    frame = page.frame_locator("iframe")
                    assert (
                        frame.locator("table").count() >= 1
                        or "DONE" in frame.locator("body").inner_text()
                    ), f"{category}/{subcategory} result {index}: no table"
                    assert frame.locator("h1").inner_text()
            page.close()
    assert not errors, f"JavaScript errors: {errors}"
    assert not requests, f"the report fetched resources from outside the file: {requests}"


def test_screenshot_for_the_readme(browser, report_html: Path):
    """The test RMSE table against the published values, menu open, saved for review."""
    errors: list[str] = []
    page = open_report(browser, report_html, errors, [])
    open_subcategory(page, "Models", "Test RMSE")
    labels = page.locator("nav table tbody tr").all_inner_texts()
    assert show_result(page, [t.strip() for t in labels].index("table")) == "html"
    page.frame_locator("iframe").locator("table").first.wait_for()
    screenshot = report_html.with_name("report-screenshot.png")
    page.screenshot(path=str(screenshot))
    page.close()
    assert screenshot.stat().st_size > 10_000
    assert not errors
    print(f"report screenshot: {screenshot}")
    if os.environ.get("GLASSBONDS_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(screenshot, README_SCREENSHOT)
