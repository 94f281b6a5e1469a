"""Property-based tests: whatever a person types (any Unicode: emoji, right-to-left and
zero-width characters, control characters, Markdown and HTML metacharacters, 100,000
characters), normalisation, matching and the engine never raise, and the engine always answers
with plain, non-empty text.

Replies are plain strings and the transports send them without a parse mode, so nothing in them
is interpreted as markup; these tests check the engine's side: its own wording and the
knowledge-base answers carry no markup characters, so any that appear were typed by the person
and are shown as typed.
"""

from __future__ import annotations

import asyncio
import math
import unicodedata
from collections.abc import Callable

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.dialogue.engine import Engine
from bot.matching import normalize
from bot.messages import Incoming, Outcome, Speaker
from bot.store.backend import make_store
from tests.engine_setup import Clock, knowledge, make_engine
from tests.factories import (
    ENGINE_STAFF_CHAT_ID,
    ENGINE_STAFF_ID,
    make_choice,
    make_photo,
    make_text,
)

SPECIAL = [
    "😀",
    "👨‍👩‍👧",  # a zero-width-joiner sequence
    "🇨🇳",
    "مرحبا",  # right-to-left
    "שלום",
    "\u202e",  # right-to-left override
    "\u200f",
    "\u200b",  # zero-width space, non-joiner, joiner, BOM
    "\u200c",
    "\u200d",
    "\ufeff",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\r\n",
    "\t",
    "\u3000",
    "<b>",
    "</i>",
    "<script>alert(1)</script>",
    "&amp;",
    "*",
    "**",
    "_",
    "__",
    "`",
    "```",
    "[x](http://e.com)",
    "~~",
    "||",
    "\\",
    "渝中区",
    "社保",
    "二十三",
    "１２３",
    "ＡＢＣ",
    "/",
    "#1",
    "?",
    "？",
]
hostile_text = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(SPECIAL), st.text(max_size=4)), max_size=30).map("".join),
)
LONG = ("渝中区社保怎么办😀\u200b\u202e<b>*_`[x](y)\x00مرحبا" * 4000)[:100_000]
LONG_CJK = "渝中区" * 33_334  # 100,002 characters of real words: the matcher's slowest case
MARKUP = set("<>*_`[]~|")
TEXT_SETTINGS = settings(max_examples=80, deadline=None)


@TEXT_SETTINGS
@given(hostile_text)
@example(LONG)
def test_normalisation_never_raises_and_is_clean(text: str) -> None:
    """The public functions take any text; the result of the pipeline has no control or
    zero-width characters, no doubled or edge spaces, and normalising it again changes
    nothing."""
    kb, _, matcher = knowledge()
    for function in (
        normalize.fold_width,
        normalize.to_simplified,
        normalize.strip_symbols,
        normalize.convert_numerals,
    ):
        assert isinstance(function(text), str)
    assert isinstance(normalize.is_english_text(text), bool)
    assert all(isinstance(normalize.is_cjk(ch), bool) for ch in text[:50])
    assert isinstance(normalize.apply_synonyms(text, kb.lexicon.synonyms), str)
    assert isinstance(normalize.strip_fillers(text, kb.lexicon.fillers), str)
    assert isinstance(normalize.strip_particles(text, kb.lexicon.particles), str)
    assert isinstance(normalize.normalize(text), str)
    out = matcher.normalizer(text)
    assert {unicodedata.category(ch) for ch in out}.isdisjoint({"Cc", "Cf", "Cs"})
    assert out == out.strip()
    assert "  " not in out
    assert matcher.normalizer(out) == out


@TEXT_SETTINGS
@given(hostile_text)
@example(LONG)
@example(LONG_CJK)
def test_matching_never_raises_and_decides(text: str) -> None:
    """Matcher.decide takes any text and returns a well-formed decision."""
    _, intents, matcher = knowledge()
    decision = matcher.decide(text)
    assert decision.outcome in ("answer", "clarify", "ticket", "intent")
    assert all(math.isfinite(c.score) for c in decision.candidates)
    if decision.outcome == "intent":
        assert decision.intent is not None
        intents.get(decision.intent)  # a known intent


def assert_plain_answer(outcome: Outcome, typed: str) -> None:
    """At least one reply; every reply and button label a non-empty plain string; markup
    characters only where the person typed them."""
    assert outcome.replies
    for reply in outcome.replies:
        assert type(reply.text) is str
        assert reply.text.strip()
        for row in reply.choices:
            for choice in row:
                assert type(choice.label) is str
                assert choice.label.strip()
                assert len(choice.data.encode()) <= 64
        added = {ch for ch in reply.text if ch in MARKUP} - set(typed)
        assert not added, f"markup {added} in a reply to {typed!r}: {reply.text!r}"


def with_engine(database_url: str, check: Callable[[asyncio.Runner, Engine], None]) -> None:
    """Run `check(runner, engine)` against one engine on one real database (either backend)."""
    with asyncio.Runner() as runner:
        store = make_store(Settings(database_url=database_url))
        runner.run(store.open())
        try:
            engine = make_engine(store, Clock(), max_open_tickets=10**6, max_tickets_per_hour=10**6)
            check(runner, engine)
        finally:
            runner.run(store.close())


def test_the_engine_answers_any_text_plainly(database_url: str) -> None:
    """Any text message, from a resident or from staff in the staff chat, as a question or
    inside a flow: no exception, at least one non-empty plain reply."""
    staff = Speaker(ENGINE_STAFF_ID, ENGINE_STAFF_CHAT_ID, "值班", "zh", "telegram")
    prefixes = st.sampled_from(["", "/", "/reply 1 ", "/close ", "/ticket ", "/lang ", "/cancel"])

    def check(runner: asyncio.Runner, engine: Engine) -> None:
        said: set[str] = set()  # staff see what residents typed before (/ticket 1)

        @TEXT_SETTINGS
        @given(prefix=prefixes, text=hostile_text, as_staff=st.booleans())
        @example(prefix="", text=LONG, as_staff=False)
        @example(prefix="", text=LONG_CJK, as_staff=False)
        @example(prefix="/reply 1 ", text=LONG, as_staff=True)
        @example(prefix="", text="\ud800\udfff lone surrogates", as_staff=False)
        def handle(prefix: str, text: str, as_staff: bool) -> None:
            typed = prefix + text
            said.update(typed)
            incoming = make_text(typed, staff if as_staff else None)
            outcome = runner.run(engine.handle(incoming))
            assert_plain_answer(outcome, "".join(sorted(said)))

        handle()

    with_engine(database_url, check)


def test_the_engine_answers_any_flow_step_plainly(database_url: str) -> None:
    """Any text at each step of the 通办 flow and in a follow-up: a plain, non-empty reply."""
    steps = st.sampled_from(
        [[], [make_choice("tb:start")], [make_choice("tb:start"), make_choice("tb:yz")]]
    )

    def check(runner: asyncio.Runner, engine: Engine) -> None:
        @TEXT_SETTINGS
        @given(before=steps, text=hostile_text, then=hostile_text)
        @example(before=[], text=LONG, then=LONG)
        def handle(before: list[Incoming], text: str, then: str) -> None:
            runner.run(engine.handle(make_text("/cancel")))
            for incoming in before:
                runner.run(engine.handle(make_choice(incoming.choice or "")))
            for typed in (text, then):
                outcome = runner.run(engine.handle(make_text(typed)))
                assert_plain_answer(outcome, typed)

        handle()

    with_engine(database_url, check)


def test_the_engine_answers_any_button_data_and_caption(database_url: str) -> None:
    """Any callback data (up to Telegram's 64 bytes and beyond) and any photo caption."""

    def check(runner: asyncio.Runner, engine: Engine) -> None:
        @TEXT_SETTINGS
        @given(data=hostile_text, caption=hostile_text)
        @example(data="fb:up:" + "9" * 300, caption=LONG)
        def handle(data: str, caption: str) -> None:
            tapped = runner.run(engine.handle(make_choice(data)))
            assert_plain_answer(tapped, data)
            photo = runner.run(engine.handle(make_photo("file-id", caption)))
            assert_plain_answer(photo, caption)

        handle()

    with_engine(database_url, check)


def test_a_person_named_anything_is_filed(database_url: str) -> None:
    """Any display name (the ticket keeps it verbatim) and any language code."""

    def check(runner: asyncio.Runner, engine: Engine) -> None:
        @settings(max_examples=40, deadline=None)
        @given(name=hostile_text, language=st.one_of(st.none(), hostile_text))
        def handle(name: str, language: str | None) -> None:
            speaker = Speaker(77, 77, name, language, "telegram")
            outcome = runner.run(engine.handle(make_text("火星上明天的天气预报是什么", speaker)))
            assert_plain_answer(outcome, "")

        handle()

    with_engine(database_url, check)
