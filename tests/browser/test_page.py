"""The web page as a person uses it: a real headless Chromium (Debian's `chromium`, driven by Playwright) against a
real `qa-bot serve` process on a free localhost port. Screenshots go to the test's tmp dir.

`make test` installs chromium when it is missing and it runs as root; otherwise these tests are skipped, saying why.
"""

from __future__ import annotations

import os
import shutil

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

CHROMIUM = os.environ.get("QA_BOT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
TIMEOUT = 60_000


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        pytest.skip("no Chromium: install the Debian `chromium` package (make test does it when run as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    pg.set_default_timeout(TIMEOUT)
    pg.goto(live_server, wait_until="domcontentloaded")
    pg.locator("#qa-question textarea").wait_for()
    yield pg
    pg.screenshot(path=str(tmp_path / "final.png"), full_page=True)
    context.close()


def _ask(page, question: str) -> str:
    """Type a question, send it, wait for the finished answer; returns the last bot message's text."""
    bots = page.locator("#qa-chat [data-testid='bot']")
    before = bots.count()
    page.locator("#qa-question textarea").fill(question)
    page.locator("#qa-ask").click()
    page.wait_for_function(
        """([n]) => { const m = document.querySelectorAll("#qa-chat [data-testid='bot']");
           return m.length > n && !m[m.length - 1].innerText.trim().endsWith('…'); }""",
        arg=[before],
    )
    page.wait_for_timeout(300)
    return bots.last.inner_text()


def _highlighted(page) -> str:
    """The article panel's highlighted words, once there are some."""
    page.locator("#qa-article mark").first.wait_for()
    return " ".join(page.locator("#qa-article mark").all_inner_texts())


def _keep_screenshot(page, name: str) -> None:
    """A full-page screenshot into $QA_BOT_SCREENSHOTS, when set (to look at)."""
    shots = os.environ.get("QA_BOT_SCREENSHOTS")
    if shots:
        page.screenshot(path=os.path.join(shots, name), full_page=True)


def test_ask_the_example_then_follow_up_then_unanswerable(page, tmp_path):
    page.get_by_text("Who denied the allegations?", exact=True).first.click()  # the example fills the box
    page.wait_for_function(
        "() => document.querySelector('#qa-question textarea').value === 'Who denied the allegations?'"
    )
    page.locator("#qa-ask").click()
    page.locator("#qa-article mark").first.wait_for()
    answer = page.locator("#qa-chat [data-testid='bot']").last.inner_text()
    assert "Iravani" in answer and "characters" in answer
    marked = " ".join(page.locator("#qa-article mark").all_inner_texts())
    assert "Iravani" in marked and "categorically denied" in marked
    page.wait_for_function(  # the panel scrolled its first highlighted span into view
        """() => { const box = document.querySelector('#qa-article .qa-scroll');
                   const m = box.querySelector('mark'); const b = box.getBoundingClientRect();
                   const r = m.getBoundingClientRect(); return r.top >= b.top && r.bottom <= b.bottom; }"""
    )
    page.screenshot(path=str(tmp_path / "answer.png"))

    follow = _ask(page, "What did he call them?")
    assert "baseless" in follow and "Understood as" in follow

    none = _ask(page, "Who won the 2022 World Cup?")
    assert "The article doesn't say." in none
    assert page.dialogs == []


def test_two_questions_in_one_message_get_an_answer_each(page, tmp_path):
    bots = page.locator("#qa-chat [data-testid='bot']")
    before = bots.count()
    page.locator("#qa-question textarea").fill("Who denied the allegations and what did he call them?")
    page.locator("#qa-ask").click()
    page.wait_for_function(
        """([n]) => { const m = document.querySelectorAll("#qa-chat [data-testid='bot']");
           return m.length >= n + 2 && !m[m.length - 1].innerText.trim().endsWith('…'); }""",
        arg=[before],
    )
    first, second = bots.nth(before).inner_text(), bots.nth(before + 1).inner_text()
    assert "Asked: Who denied the allegations?" in first and "Iravani" in first
    assert "Asked: What did he call them?" in second and "baseless" in second
    assert "baseless" in _highlighted(page)  # the article panel shows the last answer's passage
    page.screenshot(path=str(tmp_path / "two.png"))
    _keep_screenshot(page, "two-questions.png")


def test_what_the_article_is_about_is_its_first_sentence_highlighted(page, tmp_path):
    # asked before any test adds an article: the seed is the one article
    gist = _ask(page, "What is this article about?")
    assert "What the article is about, in its first sentence" in gist and "Hundreds of members" in gist
    assert "Hundreds of members" in _highlighted(page)
    page.screenshot(path=str(tmp_path / "gist.png"))


def test_what_a_named_speaker_said_is_their_statement_highlighted(page, tmp_path):
    said = _ask(page, "What did Blinken say at the UN?")
    assert "Iran has been supporting terrorist entities" in said and "baseless" not in said.split("“")[0]
    assert "Blinken noted" in _highlighted(page)
    page.screenshot(path=str(tmp_path / "said.png"))
    _keep_screenshot(page, "said-answer.png")
    # the name misspelt: read as the article spells it, and the chat says so
    slipped = _ask(page, "What did Khamenie call the United States?")
    assert "Understood as: What did Khamenei call the United States?" in slipped
    assert "The article doesn't say." not in slipped and "Khamenei" in _highlighted(page)
    page.screenshot(path=str(tmp_path / "slipped.png"))


def test_a_plain_yes_no_question_and_who_someone_is_in_the_chat(page, tmp_path):
    verdict = _ask(page, "Was Qaani present during the training?")  # a verdict, with the words that say so
    assert verdict.startswith("Yes") and "Qaani" in verdict
    # not quoted by the article: his role read from the sentence naming him
    who = _ask(page, "Who is Macron?")
    assert who.startswith("French President") and "Benjamin Netanyahu" not in who.split("\n")[0]
    assert "French President" in _highlighted(page)
    page.screenshot(path=str(tmp_path / "who.png"))
    _keep_screenshot(page, "yes-and-who.png")


def test_who_took_the_photo_is_the_captions_credit_highlighted(page, tmp_path):
    credit = _ask(page, "Who took the photo of the destroyed Israeli tank?")
    assert "The photo's credit, in its caption" in credit and "Yousef Masoud" in credit
    assert "Gazans celebrate" in credit  # the caption is the citation
    assert "Yousef Masoud" in _highlighted(page)
    _keep_screenshot(page, "photo-credit.png")


def test_clicking_an_answer_shows_its_spans(page):
    _ask(page, "Who denied the allegations?")
    _ask(page, "How many hostages were captured in the attack?")
    assert "224" in " ".join(page.locator("#qa-article mark").all_inner_texts())
    page.locator("#qa-chat [data-testid='bot']").first.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#qa-article mark')].some(m => m.innerText.includes('Iravani'))"
    )


def _paste(page, title: str, text: str, date: str | None = None) -> None:
    """Add an article on the Articles tab and wait until it is indexed."""
    page.get_by_role("tab", name="Articles").click()
    page.locator("#qa-new-title textarea, #qa-new-title input").first.fill(title)
    if date is not None:
        page.locator("#qa-new-date textarea, #qa-new-date input").first.fill(date)
    page.locator("#qa-new-text textarea").fill(text)
    page.locator("#qa-add").click()
    page.locator("#qa-status").get_by_text("Indexed 1 document").wait_for()


def test_paste_an_article_and_ask_about_it(page):
    _paste(page, "Lighthouse repairs",
           "Lighthouse repairs\n\nThe keeper of the Skarv lighthouse, Tove Lund, said the lamp was repaired in June. "
           "The repairs cost 40,000 crowns.")  # fmt: skip
    page.locator("#qa-articles").get_by_text("Lighthouse repairs").first.wait_for()
    page.get_by_role("tab", name="Chat").click()
    answer = _ask(page, "Who is the keeper of the Skarv lighthouse?")
    assert "Tove Lund" in answer


def test_a_dated_article_shows_its_dates(page, tmp_path):
    _paste(page, "Dredger deal",
           "Dredger deal\n\nThe harbour board of Skarv approved the purchase of a new dredger on Tuesday, "
           "chairwoman Mira Holm said. The deal was first proposed last week by the port's engineers.",
           date="2023-10-25")  # fmt: skip
    page.wait_for_function(  # the list shows the date and where it came from
        "() => /2023-10-25\\s+argument/.test(document.querySelector('#qa-articles').innerText)"
    )
    page.get_by_role("tab", name="Chat").click()
    answer = _ask(page, "When did the Skarv harbour board approve the dredger?")
    assert "Tuesday (Tue 24 Oct 2023)" in answer
    page.locator("#qa-article mark").first.wait_for()
    assert "Published Wed 25 Oct 2023" in page.locator("#qa-article").inner_text()
    page.screenshot(path=str(tmp_path / "dated.png"), full_page=True)
    _keep_screenshot(page, "dated-answer.png")


def test_injected_html_and_script_stay_inert(page, tmp_path):
    hostile = (
        "Harbour notice\n\nThe harbour notice <script>alert(1)</script> was signed by Ada Quill. "
        '<img src=x onerror="alert(2)"> **Bold claim** [click](javascript:alert(3)) <b id="injected">bold</b>.'
    )
    _paste(page, "<i id='t-injected'>Notice</i>", hostile)
    page.get_by_role("tab", name="Chat").click()
    answer = _ask(page, "Who signed the harbour notice?")
    assert "Ada Quill" in answer
    page.locator("#qa-article mark").first.wait_for()
    page.wait_for_timeout(1000)
    assert page.dialogs == []  # no alert() ran
    injected = page.evaluate(
        """() => document.querySelectorAll(
             '#injected, #t-injected, #qa-article img, #qa-chat img[src="x"], #qa-article script, #qa-chat script,'
             + ' a[href^="javascript"]').length"""
    )
    assert injected == 0
    shown = page.locator("#qa-article").inner_text()
    assert "<script>alert(1)</script>" in shown  # shown as the text it is
    page.screenshot(path=str(tmp_path / "inert.png"), full_page=True)


def test_narrow_phone_screen(browser, live_server, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.goto(live_server, wait_until="domcontentloaded")
    box = pg.locator("#qa-question textarea")
    box.wait_for()
    box.fill("Who denied the allegations?")
    pg.locator("#qa-ask").tap()
    pg.locator("#qa-article mark").first.wait_for()
    width = pg.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 400  # nothing forces sideways scrolling
    chat, article = pg.locator("#qa-chat").bounding_box(), pg.locator("#qa-article").bounding_box()
    assert article["y"] >= chat["y"] + chat["height"] - 1  # stacked, not squeezed side by side
    pg.wait_for_function(
        """() => { const box = document.querySelector('#qa-article .qa-scroll');
                   return box.scrollTop > 0; }"""
    )  # the panel, not the page, scrolled to the citation
    pg.screenshot(path=str(tmp_path / "phone.png"), full_page=True)
    context.close()


def test_gradio_app_web_component_embeds_without_internet(browser, seed_bot, tmp_path):
    """The README's <gradio-app> snippet, with the loader script served by create_app (no CDN)."""
    import threading
    import time

    import uvicorn
    from fastapi.responses import HTMLResponse

    from qa_bot.web import create_app
    from tests.conftest import free_port

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(seed_bot, path="/qa")

    @app.get("/host.html")
    def host() -> HTMLResponse:
        return HTMLResponse(
            "<!doctype html><html><body><h1>Someone else's site</h1>"
            f'<script type="module" src="{base}/qa/gradio.js"></script>'
            f'<gradio-app src="{base}/qa/"></gradio-app></body></html>'
        )

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        deadline = time.time() + 30
        while not server.started and time.time() < deadline:
            time.sleep(0.1)
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT)
        # only localhost may be reached: a request anywhere else fails the test
        outside = []
        pg.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
        pg.goto(base + "/host.html", wait_until="domcontentloaded")
        box = pg.locator("gradio-app #qa-question textarea")
        box.wait_for()
        box.fill("Who denied the allegations?")
        pg.locator("gradio-app #qa-ask").click()
        pg.locator("gradio-app #qa-article mark").first.wait_for()
        assert "Iravani" in " ".join(pg.locator("gradio-app #qa-article mark").all_inner_texts())
        pg.screenshot(path=str(tmp_path / "embedded.png"))
        assert [u for u in outside if not u.startswith(("data:", "blob:"))] == []
    finally:
        context.close()
        server.should_exit = True
        thread.join(timeout=10)


def test_who_said_what_lists_statements_and_a_click_highlights_one(page, tmp_path):
    page.get_by_role("tab", name="Who said what").click()
    choose = page.locator("#qa-said-article input")  # other tests may have added articles: pick the seed's
    choose.click()
    choose.fill("Hundreds of members")
    page.get_by_role("option", name="Hundreds of members", exact=False).first.click()
    cell = page.locator("#qa-statements").get_by_text("denied", exact=True).locator("visible=true").first
    cell.wait_for()
    assert "the allegations" in page.locator("#qa-statements").inner_text()
    page.wait_for_timeout(300)
    cell.click()
    page.locator("#qa-said-panel mark").first.wait_for()
    marked = page.locator("#qa-said-panel mark").all_inner_texts()
    assert "Amir Saeid Iravani" in marked and "denied" in marked and "the allegations" in marked
    page.wait_for_function(  # the panel scrolled the statement into view
        """() => { const box = document.querySelector('#qa-said-panel .qa-scroll');
                   const m = box.querySelector('mark'); const b = box.getBoundingClientRect();
                   const r = m.getBoundingClientRect(); return r.top >= b.top && r.bottom <= b.bottom; }"""
    )
    page.screenshot(path=str(tmp_path / "who-said-what.png"))
