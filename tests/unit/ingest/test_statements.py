"""Who said what, found at ingest from spaCy's parse (slow: the real spaCy pipeline), kept by the store and shown by
the API and the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from qa_bot.errors import InvalidInput
from qa_bot.ingest import clean_text
from qa_bot.ingest.statements import extract_statements, person_roles
from tests.conftest import SEED

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def nlp():
    from qa_bot.models import get_nlp

    return get_nlp()


def parts(s):
    return [p for p in (s.speaker, s.role, s.verb, s.content, s.mention, s.sentence) if p is not None]


def test_the_roles_an_article_gives_a_person_it_does_not_quote(nlp):
    text = clean_text(SEED.read_text("utf-8"))
    whole = [(0, len(text))]
    ((person, role, sentence),) = person_roles(text, "Macron", nlp, whole)
    assert (person.text, role.text) == ("Emmanuel Macron", "French President")
    for part in (person, role, sentence):
        assert text[part.start : part.end] == part.text
    assert sentence.start <= role.start < person.end <= sentence.end
    # the name as a rewrite may give it, with the title: the mention is still theirs
    roles = person_roles(text, "Brigadier General Esmail Qaani", nlp, whole)
    assert [" ".join(r.text.split()) for _, r, _ in roles] == ["leader of the Quds Force"]
    assert person_roles(text, "Macron", nlp, [(0, 200)]) == []  # only the stretches given are read
    story = (
        "A fight between President Ana Ruiz and the outspoken Tom Berg grew. Dr. Lee Chan, 38, said nothing. "
        "The case was brought by former UCLA basketball star Ed O'Bannon."
    )
    everyone = [(0, len(story))]
    assert [r.text for _, r, _ in person_roles(story, "Ruiz", nlp, everyone)] == ["President"]
    assert person_roles(story, "Tom Berg", nlp, everyone) == []  # an adjective is no role
    assert person_roles(story, "Lee Chan", nlp, everyone) == []  # nor an honorific, nor an age
    assert [r.text for _, r, _ in person_roles(story, "O'Bannon", nlp, everyone)] == [
        "former UCLA basketball star"
    ]


def test_an_affiliation_set_off_by_commas_is_a_role(nlp):
    story = (
        "Researcher Ann Lee joined Danielle Durham, with the Department of Radiology at Duke University, and two "
        "others on the study. Tom Smith, from the University of Leeds, led it. Sara Ortiz, of course, agreed."
    )
    everyone = [(0, len(story))]
    ((person, role, sentence),) = person_roles(story, "Durham", nlp, everyone)
    assert person.text == "Danielle Durham"
    assert (
        role.text == "with the Department of Radiology at Duke University"
    )  # the preposition hangs on "joined"
    assert (
        story[role.start : role.end] == role.text and sentence.start <= role.start < role.end <= sentence.end
    )
    assert [r.text for _, r, _ in person_roles(story, "Smith", nlp, everyone)] == [
        "from the University of Leeds"
    ]
    assert person_roles(story, "Ortiz", nlp, everyone) == []  # "of course" names no institution


def test_the_iravani_denial_has_its_speaker_role_verb_and_what(nlp):
    text = clean_text(SEED.read_text("utf-8"))
    found = extract_statements(text, nlp)
    denial = next(s for s in found if s.verb.text == "denied")
    assert denial.speaker.text == "Amir Saeid Iravani"
    assert (
        denial.role is not None
        and denial.role.text == "Iran’s permanent representative to the United Nations"
    )
    assert denial.content.text == "the allegations" and not denial.direct
    assert denial.mention.text == "who" and denial.sentence.start <= denial.verb.start < denial.sentence.end
    for s in found:  # the offsets invariant, on every part of every statement
        assert all(text[p.start : p.end] == p.text and p.text.strip() for p in parts(s))


def test_a_pronoun_speaker_points_to_the_person_with_the_mention_offsets(nlp):
    text = clean_text(SEED.read_text("utf-8"))
    stated = next(s for s in extract_statements(text, nlp) if s.verb.text == "stated")
    assert stated.speaker.text == "Daniel Hagari" and stated.role and "spokesman" in stated.role.text
    assert stated.mention.text == "He" and text[stated.mention.start : stated.mention.end] == "He"
    assert stated.speaker.end <= stated.mention.start  # named in an earlier sentence
    assert stated.content.text.startswith("that this support has not ceased")


def test_he_added_follows_the_person_who_spoke_last_not_the_person_named_last(nlp):
    text = (
        "The minister, Ali al-Amrani, was headed to the prime minister's office, spokesman Abdul Basit al-Qaedi"
        " told CNN.\n\nAt least 10 bullets were shot in the direction of the vehicle al-Amrani was getting into,"
        " al-Qaedi said. Three bullets hit the back window and trunk of the car, he added.\n\nWitnesses said"
        " there were two gunmen. The Interior Ministry told CNN the attack is under investigation."
    )
    found = {s.verb.text: s for s in extract_statements(text, nlp)}
    added = found["added"]
    assert added.speaker.text == "Abdul Basit al-Qaedi" and added.mention.text == "he"  # not al-Amrani
    assert found["told"].content.text == "the attack is under investigation"  # the clause, not the one told
    assert any(s.speaker.text == "Witnesses" and "two gunmen" in s.content.text for s in found.values())


def test_a_verb_under_a_passive_speaks_for_its_agent_named_after_a_comma(nlp):
    text = (
        "This statement was quickly countered by Iran’s permanent representative to the United Nations, "
        "Amir Saeid Iravani, who categorically denied the allegations, calling them “baseless.”"
    )
    found = {s.verb.text: s for s in extract_statements(text, nlp)}
    assert found["calling"].speaker.text == "Amir Saeid Iravani"
    assert "baseless" in found["calling"].content.text
    assert found["countered"].content.text == "statement"  # the passive subject's own phrase


def test_a_direct_quotation_is_the_quoted_words(nlp):
    text = (
        "The Riverside plant will stay open. “We will not close the plant,” Mayor Lena Ortiz said on Monday. "
        "Halvard Metals, the owner, denied reports of a sale."
    )
    found = {s.verb.text: s for s in extract_statements(text, nlp)}
    said = found["said"]
    assert (said.speaker.text, said.content.text, said.direct) == (
        "Lena Ortiz",
        "We will not close the plant",
        True,
    )
    assert said.role is not None and said.role.text == "Mayor"
    denied = found["denied"]
    assert denied.speaker.text == "Halvard Metals" and denied.content.text == "reports of a sale"
    assert denied.role is not None and denied.role.text == "owner"  # the apposition, its article dropped


def test_statements_are_kept_with_the_article_and_shown_by_the_api_and_cli(seed_bot):
    doc_id = seed_bot.documents()[0].doc_id
    said = seed_bot.statements(doc_id)
    text = seed_bot.document(doc_id).text
    assert any(s.speaker.text == "Amir Saeid Iravani" and s.verb.text == "denied" for s in said)
    assert all(text[p.start : p.end] == p.text for s in said for p in parts(s))
    with pytest.raises(InvalidInput, match="No article"):
        seed_bot.statements("nope")
    from qa_bot.cli import cli

    out = CliRunner().invoke(cli, ["statements", "--index", str(seed_bot.settings.index_dir), "--json"])
    assert out.exit_code == 0, out.output
    shown = json.loads(out.output)[doc_id]
    assert [s["verb"]["text"] for s in shown] == [s.verb.text for s in said]
    plain = CliRunner().invoke(
        cli, ["statements", "--index", str(seed_bot.settings.index_dir), "--doc", doc_id]
    )
    assert (
        "Amir Saeid Iravani (Iran’s permanent representative to the United Nations) · denied" in plain.output
    )


def test_extraction_precision_and_recall_on_the_annotated_set(shared_data):
    """scripts/eval_statements.py on tests/data/statements_gold.json (the seed and the three news dev articles)."""
    import re
    import subprocess
    import sys

    from tests.conftest import ROOT

    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "eval_statements.py")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    p, r = map(float, re.search(r"precision ([\d.]+) %, recall ([\d.]+) %", done.stdout).groups())
    assert p >= 85.0 and r >= 75.0, done.stdout
