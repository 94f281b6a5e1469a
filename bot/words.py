"""The words the assistant says: one place, so `ask`, the engine and every transport agree."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.kb.intents import Intent
from bot.kb.model import Entry

TicketWording = Callable[[int | None, str | None], str]  # (ticket number, language) → reply


def is_english(language: str | None) -> bool:
    """Whether a language code ("en", "en-GB", a /lang choice) means English replies."""
    return (language or "").lower().startswith("en")


def chat_language(chosen: str | None, written: str | None, client: str | None) -> str:
    """The language every reply to a chat is in: "en" or "zh". The one rule:
    the resident's `/lang` choice when there is one; otherwise the language of their latest
    message that had one (an English message switches the chat to English until they write
    Chinese); otherwise their Telegram client's language; Chinese by default."""
    for language in (chosen, written, client):
        if language:
            return "en" if is_english(language) else "zh"
    return "zh"


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


def confirm_text(entry: Entry, language: str | None = None) -> str:
    """The question shown when one entry comes close but not close enough to answer outright."""
    return pick(
        language,
        f"您是想问「{entry_title(entry, language)}」吗？",
        f"Did you mean “{entry_title(entry, language)}”?",
    )


def confirm_labels(language: str | None = None) -> tuple[str, str]:
    """The two buttons under `confirm_text`: show the answer, or pass the question to staff."""
    if is_english(language):
        return "Yes", "No, pass it to staff"
    return "是", "不是，转给工作人员"


def part_heading(question: str, language: str | None = None) -> str:
    """The line above each reply to a message that asked several things."""
    return pick(language, f"关于「{question}」：", f"About “{question}”:")


def ticket_text(
    number: int | None, language: str | None = None, related: Sequence[Entry] = ()
) -> str:
    """What a resident is told when the question becomes a ticket (offering `related` entries)."""
    ref = f"#{number}" if number is not None else ""
    if is_english(language):
        return (
            "I don't have a reliable answer to this in my knowledge base, so I won't guess. "
            f"I have passed it to our staff as ticket {ref}. Their reply will arrive in this chat; "
            "/mytickets shows its progress."
        ).replace("ticket  ", "a ticket ") + related_text(related, language)
    return (
        "这个问题我的知识库里还没有可靠的答案，我不乱猜。"
        f"已为您登记工单 {ref}，转给工作人员处理，回复会发到这个对话里；"
        "发送 /mytickets 可以查看进度。"
    ).replace("工单 ，", "工单，") + related_text(related, language)


def related_text(entries: Sequence[Entry], language: str | None = None) -> str:
    """The lines added to a ticket reply that offers related entries ("" when there are none)."""
    if not entries:
        return ""
    head = (
        "Meanwhile, these topics may help (tap one to read it):"
        if is_english(language)
        else "在等回复的同时，这些相关内容也许有用（点按钮查看）："
    )
    lines = (f"{i}. {entry_title(e, language)}" for i, e in enumerate(entries, 1))
    return "\n\n" + "\n".join((head, *lines))


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


# --- The dialogue engine's wording (issue 5) -------------------------------------------------


def pick(language: str | None, zh: str, en: str) -> str:
    """The Chinese or the English wording, by the user's language."""
    return en if is_english(language) else zh


def feedback_thanks_text(language: str | None = None) -> str:
    return pick(
        language,
        "谢谢您的反馈！还有问题随时问我。",
        "Thanks for the feedback! Ask me anything else.",
    )


def feedback_ticket_text(number: int, language: str | None = None) -> str:
    return pick(
        language,
        f"抱歉没能解决您的问题。已登记工单 #{number}，转给工作人员处理，回复会发到这个对话里；"
        "发送 /mytickets 可以查看进度。",
        f"Sorry that did not solve it. I have passed your question to our staff as ticket "
        f"#{number}; their reply will arrive in this chat. /mytickets shows its progress.",
    )


def human_ticket_text(reply: str, number: int, language: str | None = None) -> str:
    """The `human` intent's reply, with the ticket number."""
    return reply + pick(language, f"（工单 #{number}）", f" (ticket #{number})")


def report_text(number: int, language: str | None = None) -> str:
    return pick(
        language,
        f"收到您的照片，已登记为工单 #{number} 转给工作人员，回复会发到这个对话里。"
        "可以再发一段文字说明地点和情况。",
        f"Thanks, I have filed your photo as ticket #{number} for our staff; their reply will "
        "arrive here. You can add a few words about the place and the problem.",
    )


def limit_text(reason: str, limit: int, language: str | None = None) -> str:
    """Why no new ticket was filed: too many open ones, or too many this hour."""
    if reason == "open":
        return pick(
            language,
            f"您已有 {limit} 个未办结的工单，暂时不能再登记新的。请等工作人员回复；"
            "要补充内容，可以在 /mytickets 里点“补充说明”。",
            f"You already have {limit} open tickets, so I cannot file another one yet. Please "
            "wait for our staff; to add details, use “Add details” under /mytickets.",
        )
    return pick(
        language,
        f"您这一小时内已登记了 {limit} 个工单，请稍后再提交新的问题。",
        f"You have filed {limit} tickets in the last hour; please try again a little later.",
    )


def busy_text(language: str | None = None) -> str:
    return pick(
        language,
        "系统有点忙，这条消息没有保存，请过一会儿再发一次。",
        "The system is busy and did not save that; please send it again in a moment.",
    )


def expired_text(language: str | None = None) -> str:
    return pick(
        language,
        "这个按钮已经失效了。请直接输入您的问题，或发送 /menu 浏览。",
        "This button has expired. Type your question, or send /menu to browse.",
    )


def unsupported_text(language: str | None = None) -> str:
    return pick(
        language,
        "我目前只能看懂文字和照片。请用文字描述您的问题。",
        "I can only read text and photos for now. Please describe your question in words.",
    )


def unknown_command_text(language: str | None = None) -> str:
    return pick(
        language,
        "我不认识这个命令。发送 /help 查看我能做什么。",
        "I don't know that command. Send /help to see what I can do.",
    )


def language_text(language: str | None = None) -> str:
    return pick(language, "好的，之后我用中文回答。", "OK, I will answer in English from now on.")


def language_usage_text(language: str | None = None) -> str:
    return pick(
        language,
        "发送 /lang en 改用英文，/lang zh 改用中文。",
        "Send /lang en for English or /lang zh for Chinese.",
    )


def staff_only_text() -> str:
    """The one neutral refusal for staff commands and buttons used by anyone else."""
    return "这个操作仅限工作人员使用。 (Staff only.)"


def menu_back_label(language: str | None = None) -> str:
    return pick(language, "« 返回菜单", "« Back to menu")


def category_text(title: str, language: str | None = None) -> str:
    return pick(language, f"{title}：请选择一个问题", f"{title}: choose a question")


def none_of_these_label(language: str | None = None) -> str:
    return pick(language, "都不是", "None of these")


def feedback_labels(language: str | None = None) -> tuple[str, str, str]:
    if is_english(language):
        return "👍 Helpful", "👎 Not solved", "Talk to staff"
    return "👍 有帮助", "👎 没解决", "转人工"


def tongban_button_label(language: str | None = None) -> str:
    return pick(language, "办理跨区通办登记", "File a cross-district request")


def add_details_label(number: int, language: str | None = None) -> str:
    return pick(language, f"补充说明 #{number}", f"Add details to #{number}")


def followup_prompt_text(number: int, language: str | None = None) -> str:
    return pick(
        language,
        f"请发送要补充到工单 #{number} 的内容（文字或照片）。发送 /cancel 取消。",
        f"Send what you want to add to ticket #{number} (text or a photo). /cancel to stop.",
    )


def followup_saved_text(number: int, language: str | None = None) -> str:
    return pick(
        language,
        f"已补充到工单 #{number}，工作人员会看到。如果这是一个新问题，请直接再发一次。",
        f"Added to ticket #{number}; our staff will see it. If this was a new question, "
        "please send it again.",
    )


def followup_after_close_text(number: int, language: str | None = None) -> str:
    return pick(
        language,
        f"工单 #{number} 刚刚已办结；您的补充已保存到这张工单，并已告知工作人员。",
        f"Ticket #{number} had just been closed; what you added is kept with it and our staff "
        "have been told.",
    )


def ticket_closed_text(number: int, language: str | None = None) -> str:
    return pick(
        language,
        f"工单 #{number} 已经办结，不能再补充了。有新问题请直接发给我。",
        f"Ticket #{number} is already closed. Send me any new question directly.",
    )


CATEGORY_LABELS: dict[str, str] = {
    "unanswered": "未答问题",
    "cross-district": "跨区通办",
    "human-request": "转人工",
    "feedback": "答案反馈",
    "report": "随手拍",
}


def category_label(category: str) -> str:
    """A ticket category as staff read it (staff work in Chinese)."""
    return CATEGORY_LABELS.get(category, category)


STATUS_LABELS = {
    "open": ("待处理", "waiting"),
    "claimed": ("处理中", "in progress"),
    "answered": ("已回复", "answered"),
    "closed": ("已办结", "closed"),
}


def status_label(status: str, language: str | None = None) -> str:
    zh, en = STATUS_LABELS.get(status, (status, status))
    return pick(language, zh, en)


def no_tickets_text(language: str | None = None) -> str:
    return pick(language, "您还没有工单。", "You have no tickets.")
