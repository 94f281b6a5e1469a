"""Normalisation and tokenisation: each small function, then the whole pipeline with the lexicon."""

from __future__ import annotations

import pytest

from bot.kb.model import Lexicon
from bot.matching.gibberish import is_gibberish
from bot.matching.normalize import (
    apply_synonyms,
    convert_numerals,
    fold_width,
    is_english_text,
    normalize,
    strip_fillers,
    strip_particles,
    strip_symbols,
    to_simplified,
)
from bot.matching.tokens import char_tokens, english_words, pinyin_tokens, stem
from bot.paths import bundled_dir

LEXICON = Lexicon(
    synonyms=(("啷个", "怎么"), ("人材", "人才"), ("通半", "通办"), ("App", "平台")),
    fillers=("请问", "我想问一下"),
    particles=("吗", "嘛", "哦"),
)


def test_fold_width_turns_full_width_letters_and_digits_into_ascii() -> None:
    """NFKC: ＡＰＰ１２ becomes app12 (lower case too)."""
    assert fold_width("ＡＰＰ１２３，") == "app123,"


def test_fold_width_drops_the_tone_marks_of_pinyin() -> None:
    """Huàlóngqiáo and Yúcáihuì are the entries' hualongqiao and yucaihui; Chinese is untouched."""
    assert fold_width("Huàlóngqiáo Yúcáihuì Lǜ 渝中") == "hualongqiao yucaihui lu 渝中"


def test_to_simplified_converts_traditional_characters() -> None:
    """OpenCC t2s: 袁來一家 跨區通辦 → 袁来一家 跨区通办."""
    assert to_simplified("袁來一家 跨區通辦") == "袁来一家 跨区通办"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("袁家岗，通办？😩", "袁家岗 通办"),
        ("1+4+n服务", "1+4+n服务"),
        ("2.8万平方米", "2.8万平方米"),
        ("end.", "end"),
        ("🙂🙂🙂", ""),
        ("。。。", ""),
    ],
)
def test_strip_symbols_keeps_words_figures_and_names(raw: str, expected: str) -> None:
    """Punctuation and emoji become spaces; '+' and a decimal point inside a figure stay."""
    assert strip_symbols(raw) == expected


def test_apply_synonyms_rewrites_variants_once_longest_first() -> None:
    """A canonical word is never rewritten again, and the longer variant wins."""
    synonyms = (("好多", "多少"), ("好多钱", "多少钱"), ("多少", "WRONG"))
    assert apply_synonyms("要好多钱", synonyms) == "要多少钱"


def test_apply_synonyms_matches_latin_variants_as_whole_words_only() -> None:
    """'app' maps to 平台 but the 'app' inside 'happens' stays."""
    assert apply_synonyms("what happens to my app", (("app", "平台"),)) == "what happens to my 平台"


def test_strip_fillers_removes_them_anywhere() -> None:
    assert strip_fillers("请问楼小二是谁 我想问一下", ("请问", "我想问一下")) == "楼小二是谁"


def test_strip_particles_only_at_the_end_of_each_clause() -> None:
    """吗 at a clause end goes; 嘛 inside a word (无关) is not touched."""
    assert strip_particles("可以办吗 要得嘛哦", ("吗", "嘛", "哦")) == "可以办 要得"
    assert strip_particles("吗啡止痛", ("吗",)) == "吗啡止痛"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("黄金十二条", "黄金12条"),
        ("二十项服务", "20项服务"),
        ("四色四务", "4色4务"),
        ("二零二四年", "2024年"),
        ("一百零八", "108"),
        ("千企万户", "千企万户"),
    ],
)
def test_convert_numerals(raw: str, expected: str) -> None:
    """Chinese numbers become digits, so 十二条 meets 12条; a lone unit such as 千 stays a word."""
    assert convert_numerals(raw) == expected


def test_normalize_runs_the_whole_pipeline() -> None:
    """Width, Traditional, lexicon, fillers, particles and numerals in one call."""
    assert normalize("請問，人材政策黃金十二條啷個申請嗎？", LEXICON) == "人才政策黄金12条怎么申请"


def test_normalize_can_keep_fillers_for_intents() -> None:
    """Intents such as 你好 are themselves fillers; fillers=False keeps them."""
    lexicon = Lexicon(fillers=("你好",))
    assert normalize("你好", lexicon) == ""
    assert normalize("你好", lexicon, fillers=False) == "你好"


def test_the_shipped_lexicon_maps_dialect_and_typos() -> None:
    """啷个/没得/哪点 and the typo 通半 reach the words the knowledge base uses."""
    from bot.kb.loader import load_knowledge

    lexicon = load_knowledge(bundled_dir("knowledge")).lexicon
    assert normalize("袁家岗通半啷个弄", lexicon) == "袁家岗通办怎么弄"
    assert normalize("有没得卫生站 在哪点", lexicon) == "有卫生服务站 在哪里"


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("What is Yucaihui?", True),
        ("What is 楼小二?", True),
        ("楼小二是做什么的", False),
        ("渝才荟APP有啥功能", False),
        ("123", False),
    ],
)
def test_is_english_means_mostly_latin_letters(text: str, english: bool) -> None:
    assert is_english_text(text) is english


def test_char_tokens_are_unigrams_and_bigrams() -> None:
    """Chinese characters one by one plus adjacent pairs; a letter/digit run is one unit."""
    assert char_tokens("楼小二1+4+n") == ["楼", "小", "二", "1+4+n", "楼|小", "小|二", "二|1+4+n"]


def test_pinyin_tokens_make_homophone_typos_meet() -> None:
    """通半 and 通办 differ in characters but share every pinyin token."""
    assert pinyin_tokens("通半") == pinyin_tokens("通办") == ["~tong", "~ban", "~tong|~ban"]


def test_english_words_are_stemmed_content_words() -> None:
    assert english_words("how do companies get apartments") == ["company", "apartment"]
    assert stem("services") == "service"


@pytest.mark.parametrize(
    ("text", "gibberish"),
    [
        ("", True),
        ("asdfgh", True),
        ("qwertyuiop", True),
        ("zxcvbnm", True),
        ("jjjjjjjj", True),
        ("123456789", True),
        ("哈哈哈哈", True),
        ("1+8+63", False),
        ("help", False),
        ("tell me a joke", False),
        ("额", False),  # one character: not mash, the particles strip it before this check
        ("楼小二", False),
    ],
)
def test_is_gibberish(text: str, gibberish: bool) -> None:
    """Keyboard mash, lone digits and one repeated character carry nothing to act on."""
    assert is_gibberish(text) is gibberish


@pytest.mark.parametrize(
    ("spoken", "written"),
    [("1加4加N", "1+4+n"), ("一加四加N", "1+4+n"), ("三加十二加一", "3+12+1")],
)
def test_a_formula_said_with_jia_reads_as_written(spoken: str, written: str) -> None:
    """Voice input says "一加四加N" for the 1+4+N team."""
    assert normalize(spoken, LEXICON) == written
