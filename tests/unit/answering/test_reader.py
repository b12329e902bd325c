"""The answer stage in small pieces: windows and span scoring, the abstention decision, attribution and the
calibration fit, with hand-made logits and a fake reader (no model), then the trained reader itself on a tiny
made-up article (slow: loads the real weights once per session)."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from qa_bot import ABSTAIN_TEXT
from qa_bot.answering.attribution import Attributor
from qa_bot.answering.extractive import Calibration, ExtractiveAnswerer
from qa_bot.answering.kind import AnswerKind
from qa_bot.answering.reader import ReadResult
from qa_bot.answering.windows import SpanScore, best_spans, encode_windows
from qa_bot.text import rule_sentences
from qa_bot.types import Chunk, Passage

ARTICLE = (
    "Riverside plant stays open\n\n"
    "The Riverside steel plant will keep running through next year, its owner said on Monday. "
    "Mayor Lena Ortiz rejected reports that the plant would close, calling them premature. "
    "About 1,200 people work at the site, which opened in 1974. "
    "The owner, Halvard Metals, plans to invest 40 million dollars in a new furnace."
)


def chunk_of(text: str, start: int = 0, doc_id: str = "doc1") -> Chunk:
    return Chunk(f"c{start}", doc_id, "Riverside", start, start + len(text), text)


@pytest.fixture(scope="module")
def tokenizer():
    from qa_bot.answering.model_io import load_tokenizer

    return load_tokenizer()


# -- windows and span scores -------------------------------------------------------------------------------
def test_every_token_offset_points_into_its_piece(tokenizer):
    pieces = [ARTICLE, "Short piece about Lena Ortiz."]
    enc = encode_windows(tokenizer, "Who rejected the reports?", pieces, max_tokens=192)
    assert len(enc) == 2 and enc.pieces == [0, 1]
    for w, offs in enumerate(enc.offsets):
        ids = enc.input_ids[w]
        for k, o in enumerate(offs):
            if o is None:
                continue
            token = tokenizer.convert_ids_to_tokens(int(ids[k])).removeprefix("##")
            assert pieces[enc.pieces[w]][o[0] : o[1]].lower() == token


def test_a_long_piece_is_cut_into_overlapping_windows(tokenizer):
    long = " ".join(f"Sentence number {i} names person{i}." for i in range(80))
    enc = encode_windows(tokenizer, "Who?", [long], max_tokens=64, stride=16)
    assert len(enc) > 3 and set(enc.pieces) == {0}
    assert enc.input_ids.shape[1] <= 64
    firsts = [next(o for o in offs if o is not None)[0] for offs in enc.offsets]
    lasts = [max(o[1] for o in offs if o is not None) for offs in enc.offsets]
    assert firsts == sorted(firsts) and lasts[-1] == len(long)
    assert all(firsts[i + 1] < lasts[i] for i in range(len(firsts) - 1))  # windows overlap


def test_best_spans_maps_logits_to_exact_char_offsets_and_merges_windows(tokenizer):
    pieces = [ARTICLE, ARTICLE]  # the same text read twice: the same span must be reported once
    enc = encode_windows(tokenizer, "Who rejected the reports?", pieces, max_tokens=192)
    start = np.full(enc.input_ids.shape, -5.0)
    end = np.full(enc.input_ids.shape, -5.0)
    target = ARTICLE.index("Lena Ortiz")
    for w in range(len(enc)):
        offs = enc.offsets[w]
        s = next(k for k, o in enumerate(offs) if o and o[0] == target)
        e = next(k for k, o in enumerate(offs) if o and o[1] == target + len("Lena Ortiz"))
        start[w, s], end[w, e] = 4.0 + w, 3.0
        start[w, 0], end[w, 0] = 1.0 - 0.5 * w, 0.5  # the second window is surer there is an answer
    spans, null = best_spans(enc, start, end, top=3)
    best = spans[0]
    assert pieces[best.piece][best.start : best.end] == "Lena Ortiz"
    assert best.score == pytest.approx(8.0) and best.window == 1 and best.null == pytest.approx(1.0)
    assert best.margin == pytest.approx(7.0)
    assert null == pytest.approx(1.0)  # the lowest [CLS] score of the two windows
    assert len({(s.start, s.end) for s in spans if s.piece == 1}) == len([s for s in spans if s.piece == 1])
    assert all(s.score <= best.score for s in spans)


def test_a_span_never_runs_across_a_line_break(tokenizer):
    piece = "chairwoman Mira Holm said.\nThe deal was proposed by the port's engineers."
    enc = encode_windows(tokenizer, "Who proposed the deal?", [piece], max_tokens=64)
    start = np.full(enc.input_ids.shape, -5.0)
    end = np.full(enc.input_ids.shape, -5.0)
    offs = enc.offsets[0]
    first = next(k for k, o in enumerate(offs) if o)  # "chairwoman"
    the = next(k for k, o in enumerate(offs) if o and piece[o[0] : o[1]] == "the")
    last = max(k for k, o in enumerate(offs) if o and piece[o[0] : o[1]] == "engineers")
    start[0, first], start[0, the], end[0, last] = 6.0, 4.0, 5.0  # the best-scored span crosses the line
    spans, _ = best_spans(enc, start, end, top=3)
    assert "\n" in piece[spans[0].start : spans[0].end]  # without the text, nothing stops it
    spans, _ = best_spans(enc, start, end, top=3, pieces=[piece])
    assert piece[spans[0].start : spans[0].end] == "the port's engineers"
    assert all("\n" not in piece[s.start : s.end] for s in spans)


def test_a_window_sure_it_holds_no_answer_discounts_its_spans(tokenizer):
    pieces = ["Lena Ortiz is the mayor.", "Halvard Metals owns the plant."]
    enc = encode_windows(tokenizer, "Who?", pieces, max_tokens=64)
    start = np.full(enc.input_ids.shape, -5.0)
    end = np.full(enc.input_ids.shape, -5.0)
    names = ("Lena Ortiz", "Halvard Metals")
    for w, (score, null) in enumerate(((6.0, 5.0), (4.0, -1.0))):  # window 0: higher score, but "no answer"
        first = next(k for k, o in enumerate(enc.offsets[w]) if o)
        last = next(k for k, o in enumerate(enc.offsets[w]) if o and o[1] == len(names[w]))
        start[w, first], end[w, last] = score / 2, score / 2
        start[w, 0], end[w, 0] = null / 2, null / 2
    spans, null = best_spans(enc, start, end, top=2)
    assert [pieces[s.piece][s.start : s.end] for s in spans] == ["Halvard Metals", "Lena Ortiz"]
    assert null == pytest.approx(-1.0)


def test_spans_longer_than_the_limit_are_not_offered(tokenizer):
    enc = encode_windows(tokenizer, "What?", [ARTICLE], max_tokens=192)
    start = np.zeros(enc.input_ids.shape)
    end = np.zeros(enc.input_ids.shape)
    ctx = [k for k, o in enumerate(enc.offsets[0]) if o is not None]
    start[0, ctx[0]], end[0, ctx[-1]] = 10.0, 10.0  # the whole article as one span: too long
    spans, _ = best_spans(enc, start, end, top=5, max_answer_tokens=8)
    assert spans and all(s.end - s.start < len(ARTICLE) // 2 for s in spans)


def _every_pair(enc, start, end, top, max_answer_tokens, pieces, per_window=20):
    """Reference for best_spans: every pair of each window's best starts and ends, the best margin per span."""
    found: dict = {}
    for w, offs in enumerate(enc.offsets):
        null = float(start[w][0] + end[w][0])
        ctx = [k for k, o in enumerate(offs) if o is not None]
        starts = sorted(ctx, key=lambda k: -start[w][k])[:per_window]
        ends = sorted(ctx, key=lambda k: -end[w][k])[:per_window]
        for s in starts:
            for e in ends:
                key = (enc.pieces[w], offs[s][0], offs[e][1])
                if e < s or e - s + 1 > max_answer_tokens or "\n" in pieces[key[0]][key[1] : key[2]]:
                    continue
                margin = float(start[w][s] + end[w][e]) - null
                found[key] = max(found.get(key, -np.inf), margin)
    return sorted(found.items(), key=lambda kv: -kv[1])[:top]


@pytest.mark.parametrize("seed", range(5))
def test_best_spans_equal_scoring_every_pair_of_every_window(tokenizer, seed):
    pieces = [ARTICLE, ARTICLE[40:], "A line.\nAnother line names Halvard Metals and Lena Ortiz."]
    enc = encode_windows(tokenizer, "Who rejected the reports?", pieces, max_tokens=48, stride=16)
    rng = np.random.default_rng(seed)
    start = rng.normal(size=enc.input_ids.shape).astype(np.float32)
    end = rng.normal(size=enc.input_ids.shape).astype(np.float32)
    for top in (1, 5, 10):
        spans, _ = best_spans(enc, start, end, top=top, max_answer_tokens=12, pieces=pieces)
        expected = _every_pair(enc, start, end, top, 12, pieces)
        assert [(s.piece, s.start, s.end) for s in spans] == [key for key, _ in expected]
        assert [s.margin for s in spans] == pytest.approx([m for _, m in expected])
        assert all(s.tokens >= 1 for s in spans)


# -- the decision and attribution, with a fake reader ------------------------------------------------------
class FakeReader:
    """Returns the spans it was built with (given as text found in the first piece) and a fixed null score."""

    def __init__(
        self,
        answers: list[tuple[str, float]],
        null: float = 0.0,
        kinds: tuple[float, float, float] = (1, 0, 0),
    ) -> None:
        self.answers, self.null, self.calls, self.kinds = answers, null, [], kinds

    def read(self, question, pieces, history=()):
        self.calls.append((question, list(pieces), tuple(history)))
        spans = []
        for text, score in self.answers:
            i = next(i for i, p in enumerate(pieces) if text in p)
            s = pieces[i].index(text)
            spans.append(SpanScore(i, s, s + len(text), score, self.null, 0))
        return ReadResult(tuple(spans), self.null, windows=len(pieces), kinds=(self.kinds,))


def passages_of(text: str, offset: int = 500) -> list[Passage]:
    return [Passage(chunk_of(text, start=offset), score=1.0)]


def answerer(reader, threshold=0.0, **kw) -> ExtractiveAnswerer:
    kw.setdefault("answer_kind", AnswerKind())  # the head decides alone unless a test fits a decision
    return ExtractiveAnswerer(
        reader, Attributor(rule_sentences), calibration=Calibration(threshold, 1.0), **kw
    )


def test_the_best_span_is_answered_with_its_sentence_cited_at_document_offsets():
    doc = "x" * 500 + ARTICLE  # the chunk starts at 500 in its document
    a = answerer(FakeReader([("Lena Ortiz", 6.0), ("Halvard Metals", 2.0)])).answer("q", passages_of(ARTICLE))
    assert not a.abstained and a.text == "Lena Ortiz"
    assert doc[a.answer_start : a.answer_end] == "Lena Ortiz"
    c = a.citations[0]
    assert c.text == "Mayor Lena Ortiz rejected reports that the plant would close, calling them premature."
    assert doc[c.start : c.end] == c.text and c.start <= a.answer_start < a.answer_end <= c.end
    assert a.confidence == pytest.approx(1 / (1 + math.exp(-6.0)), abs=1e-4)


def test_a_margin_below_the_threshold_abstains_and_shows_the_nearest_sentences():
    reader = FakeReader([("Lena Ortiz", 1.0), ("1974", 0.5)], null=0.0)
    a = answerer(reader, threshold=2.0).answer("Who is the mayor of Tehran?", passages_of(ARTICLE))
    assert a.abstained and a.text == ABSTAIN_TEXT and not a.citations
    assert [r.text.split()[0] for r in a.related] == ["Mayor", "About"]
    assert a.meta["margin"] == pytest.approx(1.0) and a.confidence < 0.5
    # the same reading with a lower threshold answers
    assert answerer(reader, threshold=0.5).answer("q", passages_of(ARTICLE)).text == "Lena Ortiz"


def test_abstain_threshold_setting_moves_the_decision():
    reader = FakeReader([("Lena Ortiz", 1.0)])
    assert answerer(reader).answer("q", passages_of(ARTICLE)).confidence == pytest.approx(0.7311, abs=1e-3)
    assert not answerer(reader, abstain_threshold=0.7).answer("q", passages_of(ARTICLE)).abstained
    assert answerer(reader, abstain_threshold=0.8).answer("q", passages_of(ARTICLE)).abstained


def test_what_else_skips_answers_already_given():
    reader = FakeReader([("Lena Ortiz", 5.0), ("Halvard Metals", 3.0)])
    a = answerer(reader).answer("q", passages_of(ARTICLE), exclude=["Mayor Lena Ortiz"])
    assert a.text == "Halvard Metals"


def test_who_someone_is_is_not_answered_with_their_name():
    reader = FakeReader([("Mayor Lena Ortiz", 6.0), ("Ortiz", 5.5), ("Mayor", 4.0)])
    a = answerer(reader).answer("Who is Ortiz?", passages_of(ARTICLE), identity="Ortiz")
    assert a.text == "Mayor" and a.meta["margin"] == pytest.approx(4.0)  # the span's own confidence
    assert answerer(reader).answer("Who is Ortiz?", passages_of(ARTICLE)).text == "Mayor Lena Ortiz"
    # whole words: "Riverside" does not name "River"
    river = FakeReader([("Riverside steel plant", 6.0)])
    assert (
        answerer(river)
        .answer("Who is River?", passages_of(ARTICLE), identity="River")
        .text.startswith("River")
    )
    # nothing but the name: no answer
    only = FakeReader([("Lena Ortiz", 6.0)])
    assert answerer(only).answer("Who is Lena Ortiz?", passages_of(ARTICLE), identity="Lena Ortiz").abstained


def test_who_someone_is_is_not_answered_with_another_persons_name_or_role():
    text = (
        "Analyst Omar Haddad joined Mia Berg, of Tarn Bank, and an adviser to Lena Ortiz on the review. "
        "Ken Yu, a banker, agreed with analyst Mia Berg."
    )

    def entities(*names):
        return tuple((text.index(n), text.index(n) + len(n), "PERSON") for n in names)

    chunk = replace(chunk_of(text), entities=entities("Omar Haddad", "Mia Berg", "Lena Ortiz", "Ken Yu"))
    passages = [Passage(chunk, score=1.0)]
    someone_else = [("Omar Haddad", 6.0), ("Analyst Omar Haddad", 5.8), ("Analyst", 5.6), ("a banker", 5.4)]
    reader = FakeReader([*someone_else, ("of Tarn Bank", 4.0)])
    # their name, a role ending with it, the title right before it, the apposition right after it: another's
    assert answerer(reader).answer("Who is Berg?", passages, identity="Berg").text == "of Tarn Bank"
    assert answerer(reader).answer("Who did Berg join?", passages).text == "Omar Haddad"  # asked for a name
    # the title before the asked person's own name is theirs
    own = FakeReader([("analyst", 6.0)])
    assert answerer(own).answer("Who is Mia Berg?", passages, identity="Mia Berg").text == "analyst"
    # a name tied to a role by "to" / "of" is part of the role; without entities nothing is known of names
    tied = FakeReader([("an adviser to Lena Ortiz", 6.0)])
    assert answerer(tied).answer("Who is Berg?", passages, identity="Berg").text == "an adviser to Lena Ortiz"
    assert answerer(reader).answer("Who is Berg?", passages_of(text), identity="Berg").text == "Omar Haddad"


def test_a_span_across_two_sentences_is_passed_over_for_the_next_best():
    crossing = "premature. About 1,200"
    reader = FakeReader([(crossing, 6.0), ("1,200", 4.0)])
    a = answerer(reader).answer("How many people work there?", passages_of(ARTICLE))
    assert a.text == "1,200" and a.meta["margin"] == pytest.approx(4.0)
    reading = answerer(reader).read("q", passages_of(ARTICLE))
    assert [reading.span_text(i) for i in range(len(reading.read.spans))] == ["1,200"]
    # alone, it leaves no span: an abstention
    assert answerer(FakeReader([(crossing, 6.0)])).answer("q", passages_of(ARTICLE)).abstained


def test_no_passages_or_no_span_abstains():
    assert answerer(FakeReader([])).answer("q", []).abstained
    a = answerer(FakeReader([])).answer("q", passages_of(ARTICLE))
    assert a.abstained and a.meta["reason"] == "no span"


def test_each_chunk_is_read_once_best_ranked_first():
    reader = FakeReader([("Lena Ortiz", 5.0)])
    p1 = Passage(chunk_of(ARTICLE, 0), 0.9)
    p2 = Passage(chunk_of("Another chunk entirely.", 900), 0.5)
    answerer(reader).answer("q", [p1, p2, p1])
    assert reader.calls[0][1] == [ARTICLE, "Another chunk entirely."]


def test_a_yes_no_window_answers_yes_or_no_quoting_the_words_that_say_so():
    doc = "x" * 500 + ARTICLE
    said = "rejected reports that the plant would close"
    reader = FakeReader([(said, 6.0)], kinds=(0.1, 0.15, 0.75))
    a = answerer(reader).answer("Did the mayor confirm the closure?", passages_of(ARTICLE))
    assert (a.kind, a.text, a.quote) == ("no", "No", said) and not a.abstained
    assert doc[a.answer_start : a.answer_end] == a.quote  # the offsets invariant holds for yes/no too
    c = a.citations[0]
    assert c.start <= a.answer_start < a.answer_end <= c.end and "Lena Ortiz" in c.text
    assert a.to_dict()["kind"] == "no" and a.meta["kind_probability"] == pytest.approx(0.75)
    # the same window, a span more likely than yes/no: the span itself
    span = answerer(FakeReader([(said, 6.0)], kinds=(0.6, 0.3, 0.1))).answer("q", passages_of(ARTICLE))
    assert (span.kind, span.text, span.quote) == ("span", said, said)
    yes = answerer(FakeReader([(said, 6.0)], kinds=(0.2, 0.7, 0.1))).answer("q", passages_of(ARTICLE))
    assert (yes.kind, yes.text) == ("yes", "Yes")
    # below the threshold a yes/no question abstains like any other
    low = answerer(FakeReader([(said, 1.0)], kinds=(0.1, 0.1, 0.8)), threshold=2.0).answer(
        "q", passages_of(ARTICLE)
    )
    assert low.abstained and low.kind == "abstain"


def test_the_reader_is_given_the_conversation():
    reader = FakeReader([("Lena Ortiz", 5.0)])
    history = (("Who rejected the reports?", "Lena Ortiz"),)
    answerer(reader).answer("What did she call them?", passages_of(ARTICLE), history=history)
    assert reader.calls[0][0] == "What did she call them?" and reader.calls[0][2] == history


def test_the_question_segment_holds_the_last_turns_cut_from_the_left(tokenizer):
    from qa_bot.answering.windows import question_text

    history = [("Who owns the plant?", "Halvard Metals"), ("Who rejected the reports?", "Lena Ortiz"),
               ("What did she call them?", "premature")]  # fmt: skip
    text = question_text(tokenizer, "Why?", history)
    assert text == "who rejected the reports? lena ortiz | what did she call them? premature | why?"
    assert question_text(tokenizer, "Why?") == "why?"  # no conversation: the question alone
    cut = question_text(tokenizer, "Why?", history, max_tokens=8)
    assert cut.endswith("premature | why?") and len(tokenizer.tokenize(cut)) <= 8
    assert not tokenizer.tokenize(cut)[0].startswith("##")  # cut at a word start
    long_question = "Why " + "really " * 80 + "?"
    only = question_text(tokenizer, long_question, history, max_question_tokens=20, max_tokens=20)
    assert "|" not in only and len(tokenizer.tokenize(only)) == 20  # the question keeps its room
    enc = encode_windows(tokenizer, "Why?", [ARTICLE], max_tokens=192, history=history)
    segment = tokenizer.decode(enc.input_ids[0][enc.token_type_ids[0] == 0][1:-1])
    assert segment == text


def test_calibration_loads_from_the_model_directory(tmp_path):
    (tmp_path / "calibration.json").write_text(json.dumps({"threshold": 1.5, "scale": 2.0, "null": "own"}))
    cal = Calibration.load(tmp_path)
    assert (cal.threshold, cal.scale, cal.null) == (1.5, 2.0, "own")
    assert cal.confidence(1.5) == pytest.approx(0.5)
    assert cal.confidence(2.5) == pytest.approx(1 / (1 + math.exp(-2.0)))
    read = ReadResult((SpanScore(0, 0, 1, 5.0, 3.0, 0),), null=1.0)
    assert cal.margin(read) == pytest.approx(2.0)  # against its own window
    assert Calibration(null="min").margin(read) == pytest.approx(4.0)  # against the lowest of all windows
    assert Calibration.load(tmp_path / "missing") == Calibration()
    assert cal.length_penalty == 0.0  # a calibration from before the penalty ranks as the reader does


def test_the_length_penalty_ranks_the_shorter_of_two_spans_scored_about_the_same(tmp_path):
    (tmp_path / "calibration.json").write_text(
        json.dumps({"threshold": 0.0, "null": "own", "length_penalty": 0.01})
    )
    cal = Calibration.load(tmp_path)
    clause, name, other = SpanScore(0, 0, 90, 5.02, 0.0, 0, 25), SpanScore(0, 0, 13, 5.0, 0.0, 0, 2), \
        SpanScore(0, 40, 45, 4.0, 0.0, 0, 1)  # fmt: skip
    read = ReadResult((clause, name, other), null=0.0)
    assert cal.rank(read).spans == (name, clause, other)
    assert cal.margin(cal.rank(read)) == pytest.approx(5.0)  # its confidence is its own margin's
    assert Calibration().rank(read) is read  # no penalty: the reader's order
    far = ReadResult((SpanScore(0, 0, 90, 6.0, 0.0, 0, 25), name), null=0.0)
    assert cal.rank(far) is far  # a longer span scored clearly higher stays first


def test_attribution_cites_every_sentence_a_span_crosses():
    att = Attributor(rule_sentences)
    c = chunk_of(ARTICLE, 100)
    s = ARTICLE.index("premature")
    e = ARTICLE.index("1,200") + len("1,200")
    cite = att.cite_span(c, s, e)
    assert cite.text.startswith("Mayor Lena Ortiz") and cite.text.endswith("opened in 1974.")
    assert cite.start == 100 + ARTICLE.index("Mayor")
    best = att.best_sentence(c, "Halvard Metals will invest in a furnace")
    assert best.text.startswith("The owner, Halvard Metals")


# -- the calibration fit -----------------------------------------------------------------------------------
def test_fit_picks_the_threshold_that_best_separates_right_answers_from_unanswerables():
    from qa_bot.dev.calibrate import Observation, fit

    obs = []
    for i in range(20):  # answerable: right spans with high margins
        obs.append(Observation("a.json", f"a{i}", False, 1.0, {"min": 3.0 + i / 10, "own": 1.0}))
    for i in range(20):  # unanswerable: low margins
        obs.append(Observation("a.json", f"n{i}", True, 0.0, {"min": -2.0 + i / 10, "own": 1.0}))
    obs.append(Observation("b.json", "b0", False, 1.0, {"min": 2.5, "own": 1.0}))
    result = fit(obs)
    assert result["null"] == "min"
    assert result["threshold"] == pytest.approx(1.2)  # the middle of the tied range (-0.1, 2.5), not its edge
    assert result["f1_by_set"] == {"a.json": 100.0, "b.json": 100.0}
    assert result["scale"] > 0
    assert result["length_penalty"] == 0.0  # no observation has spans to rank: no penalty


def test_fit_takes_a_length_penalty_only_where_it_does_better():
    from qa_bot.dev.calibrate import Candidate, Observation, fit

    def asked(qid, long_f1, short_f1, gap):  # a long span scored `gap` above a short one
        long, short = (
            Candidate(long_f1, {"min": 3.0, "own": 3.0}, 20),
            Candidate(short_f1, {"min": 3.0 - gap, "own": 3.0 - gap}, 2),
        )
        return Observation("a.json", qid, False, long_f1, long.margins, False, (long, short))  # fmt: skip

    # the short span is right and scored about the same; then the long one right and scored clearly higher
    near = [asked(f"q{i}", 0.3, 1.0, 0.01) for i in range(5)]
    far = [asked(f"f{i}", 1.0, 0.0, 0.5) for i in range(5)]
    result = fit(near + far, length_penalties=(0.0, 0.002, 0.01, 0.1))
    assert result["length_penalty"] == 0.002  # the smallest that takes every near tie and none of the others
    assert result["f1_by_set"] == {"a.json": 100.0}
    assert fit(far, length_penalties=(0.0, 0.002, 0.01, 0.1))["length_penalty"] == 0.0


# -- the trained reader on a made-up article (real weights) ------------------------------------------------
@pytest.fixture(scope="module")
def made_up_bot(tmp_path_factory, trained_reader, blank_nlp):
    from qa_bot import QABot
    from tests.conftest import FakeEmbedder

    bot = QABot(index_dir=tmp_path_factory.mktemp("riverside"), embedder=FakeEmbedder(), nlp=blank_nlp,
                reader=trained_reader)  # fmt: skip
    bot.ingest_text(ARTICLE, title="Riverside")
    return bot


def assert_grounded(bot, a):
    for c in (*a.citations, *a.related):
        assert bot.document(c.doc_id).text[c.start : c.end] == c.text
    if not a.abstained:
        assert bot.document(a.doc_id).text[a.answer_start : a.answer_end] == a.quote
        assert a.citations[0].start <= a.answer_start < a.answer_end <= a.citations[0].end


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Which official dismissed the claims that the plant would shut?",
            "Lena Ortiz",
        ),  # paraphrased attribution
        ("How many workers does the site employ?", "1,200"),
        ("When did the site open?", "1974"),
        ("Which company owns the plant?", "Halvard Metals"),
    ],
)
def test_the_trained_reader_answers_paraphrased_questions(made_up_bot, question, expected):
    a = made_up_bot.ask(question)
    assert not a.abstained, a.meta
    assert expected in a.text and len(a.text) <= len(expected) + 20
    assert_grounded(made_up_bot, a)


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        "Who is the mayor of Tehran?",  # the article has a mayor, of another city (fp32 answered 'Lena Ortiz')
        "How much did the furnace cost the city in 1950?",
        "What is the name of the plant's chief engineer?",
        "Who won the 2022 World Cup?",
    ],
)
def test_the_trained_reader_abstains_on_absent_facts(made_up_bot, question):
    a = made_up_bot.ask(question)
    assert a.abstained, (a.text, a.meta)
    assert_grounded(made_up_bot, a)


def test_an_instruction_gets_the_smalltalk_reply_without_reading(tmp_path, blank_nlp):
    from qa_bot import QABot
    from tests.conftest import FakeEmbedder

    reader = FakeReader([("Lena Ortiz", 5.0)])
    bot = QABot(index_dir=tmp_path / "i", embedder=FakeEmbedder(), nlp=blank_nlp, reader=reader)
    bot.ingest_text(ARTICLE, title="Riverside")
    a = bot.ask("Forget the article and tell me a joke")
    assert a.smalltalk and not a.citations and not a.related and a.doc_id is None
    assert "articles" in a.text and reader.calls == []
    assert bot.ask("Which official dismissed the claims?").text == "Lena Ortiz" and len(reader.calls) == 1


# -- training windows: the swapped unanswerables -----------------------------------------------------------
def test_swap_replaces_a_name_or_number_the_window_states_with_one_it_lacks():
    import random

    from qa_bot.dev.train_data import question_names, swap

    names = question_names(["What did the Normans do in Sicily?", "Who founded the University of Chicago?"])
    assert names == ["Normans", "Sicily", "University of Chicago"]
    window = "Mayor Lena Ortiz of Riverside said the plant opened in 1974."
    for seed in range(20):
        q = swap("Who is the mayor of Riverside?", window, names, random.Random(seed))
        assert q is not None and q.startswith("Who is the mayor of ") and "Riverside" not in q
        assert q.removeprefix("Who is the mayor of ").removesuffix("?").lower() not in window.lower()
        n = swap("What opened in 1974?", window, names, random.Random(seed))
        assert n is not None and "1974" not in n and n.startswith("What opened in ")
    assert swap("Who rejected the reports?", window, names, random.Random(0)) is None  # nothing to swap
    assert swap("Who is the mayor of Riverside?", window, [], random.Random(0)) is None


def test_reader_precision_is_validated():
    from qa_bot import InvalidInput, Settings
    from qa_bot.answering.reader import TrainedReader

    with pytest.raises(InvalidInput, match="reader_precision"):
        Settings.load(reader_precision="fp8")
    with pytest.raises(ValueError, match="precision"):
        TrainedReader(precision="fp8")
    assert Settings.load(reader_precision="int8").reader_precision == "int8"


@pytest.mark.slow
def test_every_precision_finds_the_same_answer(trained_reader):
    from qa_bot.answering.reader import TrainedReader

    question, pieces = "Which official dismissed the claims that the plant would shut?", [ARTICLE]
    best = {}
    for precision in ("fp32", "bf16", "int8"):
        r = TrainedReader(precision=precision).read(question, pieces)
        s = r.spans[0]
        best[precision] = (ARTICLE[s.start : s.end], s.margin)
    texts = {text for text, _ in best.values()}
    assert len(texts) == 1 and "Lena Ortiz" in texts.pop()
    assert abs(best["bf16"][1] - best["fp32"][1]) < 0.5  # bf16 stays close to fp32


def test_an_answer_that_cuts_a_name_is_widened_to_it_at_document_offsets():
    doc = "x" * 500 + ARTICLE
    seen: list[str] = []

    def names(sentence: str) -> list[tuple[int, int]]:
        seen.append(sentence)
        start = sentence.find("Halvard Metals")
        return [(start, start + len("Halvard Metals"))] if start >= 0 else []

    reader = FakeReader([("Halvard", 6.0)])
    a = answerer(reader, names=names).answer("Who owns the plant?", passages_of(ARTICLE))
    assert a.text == a.quote == "Halvard Metals" == doc[a.answer_start : a.answer_end]
    assert a.citations[0].start <= a.answer_start < a.answer_end <= a.citations[0].end
    assert seen == ["The owner, Halvard Metals, plans to invest 40 million dollars in a new furnace."]
    # a span next to no capitalised word is not looked at; without a name finder nothing is widened
    seen.clear()
    assert answerer(FakeReader([("1974", 6.0)]), names=names).answer("q", passages_of(ARTICLE)).text == "1974"
    assert not seen
    assert answerer(FakeReader([("Halvard", 6.0)])).answer("q", passages_of(ARTICLE)).text == "Halvard"


def test_the_names_kept_with_a_chunk_at_ingest_widen_without_a_parse():

    at = ARTICLE.index("Halvard Metals")
    typed = [replace(p, chunk=replace(p.chunk, entities=((at, at + 14, "ORG"), (at + 30, at + 40, "MONEY"))))
             for p in passages_of(ARTICLE)]  # fmt: skip

    def names(sentence: str) -> list[tuple[int, int]]:
        raise AssertionError("parsed at question time")

    a = answerer(FakeReader([("Halvard", 6.0)]), names=names).answer("Who owns the plant?", typed)
    assert a.text == "Halvard Metals" and a.citations[0].start <= a.answer_start
    assert (
        answerer(FakeReader([("Halvard", 6.0)])).answer("q", typed).text == "Halvard Metals"
    )  # no finder needed
