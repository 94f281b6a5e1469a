"""The words the assistant says: one place, so `ask`, the engine and every transport agree."""

from __future__ import annotations

from bot.intents import Intent
from bot.kb import Entry


def is_english(language: str | None) -> bool:
    return (language or "").lower().startswith("en")


def answer_text(entry: Entry, language: str | None = None) -> str:
    """The entry's answer in the user's language; says so when only Chinese exists."""
    if is_english(language):
        if entry.answer_en:
            return entry.answer_en
        return "(No English version of this answer yet; here it is in Chinese.)\n\n" + entry.answer
    return entry.answer


def entry_title(entry: Entry, language: str | None = None) -> str:
    if is_english(language) and entry.title_en:
        return entry.title_en
    return entry.title


def clarify_text(entries: list[Entry], language: str | None = None) -> str:
    """The question shown with two or three close candidates."""
    if is_english(language):
        head = "Which of these do you mean?"
        tail = 'Tap one, or "None of these" to pass your question to our staff.'
    else:
        head = "您想问的是哪一个？"
        tail = "请点选一项；都不是的话点“都不是”，我会转给工作人员。"
    lines = [head, *(f"{i}. {entry_title(e, language)}" for i, e in enumerate(entries, 1)), tail]
    return "\n".join(lines)


def ticket_text(number: int | None, language: str | None = None) -> str:
    """What a resident is told when the question becomes a ticket."""
    ref = f"#{number}" if number is not None else ""
    if is_english(language):
        return (
            "I don't have a reliable answer to this in my knowledge base, so I won't guess. "
            f"I have passed it to our staff as ticket {ref}. Their reply will arrive in this chat; "
            "/mytickets shows its progress."
        ).replace("ticket  ", "a ticket ")
    return (
        "这个问题我的知识库里还没有可靠的答案，我不乱猜。"
        f"已为您登记工单 {ref}，转给工作人员处理，回复会发到这个对话里；"
        "发送 /mytickets 可以查看进度。"
    ).replace("工单 ，", "工单，")


def rephrase_text(language: str | None = None) -> str:
    """For empty or meaningless input: ask again instead of filing a ticket."""
    if is_english(language):
        return (
            "Sorry, I didn't catch that. Could you say it in a few words, for example "
            '"What is Louxiaoer?" Send /menu to browse or /help for what I can do.'
        )
    return (
        "不好意思，我没看懂。可以换个说法，用一句话描述您的问题吗？"
        "比如“楼小二是做什么的”。也可以发送 /menu 按类别浏览。"
    )


def intent_text(intent: Intent, language: str | None = None) -> str:
    return intent.reply_en if is_english(language) else intent.reply
