"""The HTML evaluation report in a real browser (Debian's Chromium through Playwright): images load."""

from __future__ import annotations

from pathlib import Path

from detector import Detector
from eval import generate_labelled_set, score_rows, summarise
from eval.report import write_report


def test_report_images_load(browser, detector: Detector, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scored = score_rows(detector, generate_labelled_set(detector.library.brands, seed=2, per_family=15))
    index = write_report(summarise(scored), scored, tmp_path / "report")
    page = browser.new_page()
    page.goto(index.as_uri())
    assert "ipwatch evaluation" in page.title()
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth, e.src])")
    assert len(images) == 4
    for complete, width, src in images:
        assert complete and width > 100, src
    assert page.locator("text=By group / 分组").count() == 1
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    page.close()
