"""The words the assistant says: one place, so `ask`, the engine and every transport agree."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Literal, Protocol

from bot.kb.intents import Intent
from bot.kb.model import Entry

# The resident commands, as Telegram's menu shows them: (name, Chinese, English). The engine
# answers each (`tests/test_telegram_commands.py`).
RESIDENT_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("start", "开始：我能做什么", "Start: what I can do"),
    ("menu", "按类别浏览常见问题", "Browse questions by category"),
    ("mytickets", "我的工单和回复", "My tickets and replies"),
    ("tongban", "袁家岗跨区通办", "Yuanjiagang cross-district services"),
    ("help", "使用说明", "How to use this assistant"),
    ("lang", "切换语言 zh / en", "Switch language zh / en"),
    ("cancel", "退出当前流程", "Leave the current step"),
)


def resident_command_menu(language: str | None = None) -> list[tuple[str, str]]:
    """(name, description) for Telegram's command menu in `language`."""
    return [(name, pick(language, zh, en)) for name, zh, en in RESIDENT_COMMANDS]


def something_went_wrong_text(language: str | None = None) -> str:
    """When handling a message failed unexpectedly (the error is logged)."""
    return pick(
        language,
        "抱歉，处理您的消息时出了点问题，请稍后再试。",
        "Sorry, something went wrong with your message; please try again in a moment.",
    )


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
            return entry.answer_en + owner_line(entry, language)
        return (
            "(No English version of this answer yet; here it is in Chinese.)\n\n"
            + entry.answer
            + owner_line(entry, language)
        )
    return entry.answer + owner_line(entry, language)


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


_LANGUAGE_NAMES = {
    "zh": ("zh", "cn", "zh-cn", "zh-hans", "chinese", "中文", "汉语", "普通话", "简体", "简体中文"),
    "en": ("en", "en-us", "en-gb", "english", "英文", "英语"),
}


def language_named(name: str) -> str | None:
    """ "zh" / "en" for what a resident may type after /lang; None for a language we lack."""
    folded = name.strip().casefold()
    for language, names in _LANGUAGE_NAMES.items():
        if folded in names:
            return language
    return None


def language_unknown_text(asked: str, language: str | None = None) -> str:
    """/lang fr: which languages there are."""
    shown = asked.strip()[:20]
    return pick(
        language,
        f"暂时不支持“{shown}”。可以用的语言：中文（/lang zh）和英文（/lang en）。",
        f"“{shown}” is not available. The languages are Chinese (/lang zh) and English (/lang en).",
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


# --- The Yuanjiagang cross-district (通办) flow --------------------------------------------

_COMMUNITIES = {
    "yz": ("大坪街道 · 渝中区", "Daping subdistrict · Yuzhong"),
    "jlp": ("谢家湾街道 · 九龙坡区", "Xiejiawan subdistrict · Jiulongpo"),
}


def community_name(key: str, language: str | None = None) -> str:
    """One of the two Yuanjiagang communities ("yz", "jlp")."""
    zh, en = _COMMUNITIES[key]
    return pick(language, zh, en)


def tongban_start_text(language: str | None = None) -> str:
    return pick(
        language,
        "袁家岗社区跨区通办登记（共 3 步，随时发送 /cancel 退出）。\n"
        "第 1 步：您属于哪个袁家岗社区？",
        "Yuanjiagang cross-district request (3 steps; /cancel to leave at any time).\n"
        "Step 1: which Yuanjiagang community do you belong to?",
    )


def tongban_community_again_text(language: str | None = None) -> str:
    return pick(language, "请点选您所属的社区：", "Please tap your community:")


def tongban_matter_text(language: str | None = None) -> str:
    return pick(
        language,
        "第 2 步：请用一两句话说明要办理的事项。",
        "Step 2: in a sentence or two, what do you need done?",
    )


def tongban_still_waiting_text(language: str | None = None) -> str:
    """After answering a question typed at step 2: the registration is still open."""
    return pick(
        language,
        "（跨区通办登记还在第 2 步：如需登记，请说明要办理的事项；不登记了发送 /cancel。）",
        "(Your cross-district request is still at step 2: tell me what you need done, "
        "or send /cancel to stop.)",
    )


def tongban_phone_text(language: str | None = None) -> str:
    return pick(
        language,
        "第 3 步（可选）：留个联系电话方便工作人员联系您，或点“跳过”。电话只有工作人员能看到。",
        "Step 3 (optional): leave a phone number for our staff to call you, or tap “Skip”. "
        "Only staff can see it.",
    )


def skip_label(language: str | None = None) -> str:
    return pick(language, "跳过", "Skip")


def bad_phone_text(language: str | None = None) -> str:
    return pick(language, "这个号码格式不对。", "That does not look like a phone number. ")


def tongban_filed_text(
    number: int | None, community: str, phone: str | None, language: str | None = None
) -> str:
    """The resident's confirmation: where to hand in materials; the (masked) phone if given."""
    text = pick(
        language,
        f"已登记跨区通办工单 #{number}。您可以就近到任意一个袁家岗社区"
        "（渝中区大坪街道或九龙坡区谢家湾街道）提交材料，接件的工作人员会把材料送到您所属的"
        f"袁家岗社区（{community_name(community, 'zh')}）服务大厅办理；"
        "工作人员也会在这个对话里联系您，/mytickets 可以查看进度。",
        f"Cross-district ticket #{number} is filed. You can hand in your materials at either "
        "Yuanjiagang community office (Daping in Yuzhong or Xiejiawan in Jiulongpo); the staff "
        "who receive them take them to the service hall of your own community "
        f"({community_name(community, 'en')}), which handles the matter. Staff will also contact "
        "you here; /mytickets shows progress.",
    )
    if phone is not None:
        text += pick(language, f"\n联系电话：{phone}", f"\nPhone: {phone}")
    return text


def tongban_routing_text(community: str, matter: str) -> str:
    """The ticket's text for staff: the matter and how it is routed."""
    own = community_name(community, "zh")
    other = community_name("jlp" if community == "yz" else "yz", "zh")
    return (
        f"跨区通办：{matter}\n"
        f"（袁家岗社区“袁来一家”通办）居民所属社区：袁家岗社区（{own}）\n"
        f"办理方式：居民可在任一袁家岗社区（{own} 或 {other}）提交材料；"
        f"接件社区的工作人员将材料送到居民所属社区（{own}）的服务大厅办理。"
    )


# --- Asking for a person, 👎, cancelling -----------------------------------------------------


def human_what_text(language: str | None = None) -> str:
    """After a bare 转人工: what should staff help with (the next message is filed)."""
    return pick(
        language,
        "好的，我来帮您转给工作人员。请用一两句话说明需要办理或咨询的事情，我会登记工单。"
        "（不需要了发送 /cancel）",
        "Sure, I will pass this to our staff. In a sentence or two, what do you need help "
        "with? I will file it as a ticket. (/cancel if you no longer need it.)",
    )


def already_filed_text(number: int, language: str | None = None) -> str:
    """The same question is already an open ticket: no second one."""
    return pick(
        language,
        f"这个问题已经在工单 #{number} 里了，工作人员会在这个对话里回复您。"
        "要补充内容，可以点下面的“补充说明”。",
        f"This question is already ticket #{number}; our staff will reply in this chat. "
        "To add details, tap “Add details” below.",
    )


def feedback_why_text(language: str | None = None) -> str:
    """After 👎: one optional line on what was missing, filed with the question."""
    return pick(
        language,
        "抱歉没能帮上忙。哪里没说清楚，或者您还想知道什么？回复一句话，我会连同您的问题一起转给"
        "工作人员；不想说明的话点“直接转交”。",
        "Sorry that did not help. What was missing, or what else did you want to know? Reply "
        "in a line and I will pass it to our staff with your question, or tap “Just pass it on”.",
    )


def feedback_skip_label(language: str | None = None) -> str:
    return pick(language, "直接转交", "Just pass it on")


def ticket_for_answer_text(question: str, entry_id: str | None, reason: str | None) -> str:
    """A ticket made from an answered question (for staff): the question, the answer given,
    what the resident said was missing."""
    text = question
    if entry_id:
        text += f"\n（已给出的答案：{entry_id}）"
    if reason:
        text += f"\n居民说明：{reason}"
    return text


def withdraw_which_text(language: str | None = None) -> str:
    """Above the resident's tickets when they asked to cancel one ("取消我的工单")."""
    return pick(
        language,
        "要撤回已提交的工单，请点对应工单下的「撤回」；问题已经解决的话，撤回后工作人员就不再处理。",
        "To withdraw a ticket you filed, tap 「撤回」 (withdraw) under it; once withdrawn, "
        "staff no longer work on it.",
    )


def nothing_to_cancel_text(language: str | None = None) -> str:
    return pick(
        language,
        "现在没有进行中的操作，不需要取消。有问题直接问我就行。",
        "There is nothing in progress to cancel. Just ask me anything.",
    )


# --- A resident's own tickets ----------------------------------------------------------------

WITHDRAWN_NOTE = "居民撤回（withdrawn by the resident）"


def withdraw_label(number: int, language: str | None = None) -> str:
    return pick(language, f"撤回 #{number}", f"Withdraw #{number}")


def withdrawn_text(number: int, language: str | None = None) -> str:
    return pick(
        language,
        f"已撤回工单 #{number}，工作人员不会再处理它。还有问题随时问我。",
        f"Ticket #{number} is withdrawn; our staff will not work on it. Ask me anything any time.",
    )


def withdrawn_staff_text(number: int) -> str:
    return f"↩️ 居民撤回了工单 #{number}（已关闭）。"


def pick_number_text(count: int, language: str | None = None) -> str:
    """The terminal chat, after a number none of the options has."""
    return pick(
        language, f"请输入 1–{count} 之间的数字：", f"Please type a number from 1 to {count}:"
    )


# --- Staff notices ---------------------------------------------------------------------------

PHOTO_ONLY = "（照片）"  # a follow-up photo without a caption, as staff read it
PHOTO_WITHOUT_TEXT = "（照片，无文字说明）"  # a photo report without a caption


def followup_staff_text(number: int, text: str, closed: bool, photo: bool) -> str:
    """A resident's follow-up as the staff group reads it (`text` already masked and quoted)."""
    after = f"（已关闭，关闭后收到；需要时 /reopen {number}）" if closed else ""
    extra = "（附照片）" if photo else ""
    return f"#{number}{after} 居民补充{extra}：{text}"


def reloaded_text(summary: str) -> str:
    return f"✅ 知识库已重新加载 (knowledge reloaded): {summary}"


def reload_failed_text(problems: list[str], listed: int) -> str:
    """A failed reload: nothing changed, then the first `listed` problems."""
    lines = [
        "⚠️ 知识库重新加载失败，仍在使用原来的知识库 "
        f"(reload failed; the previous knowledge is still in use). {len(problems)} 个问题：",
        *problems[:listed],
    ]
    if len(problems) > listed:
        lines.append(f"……另有 {len(problems) - listed} 个，见日志。")
    return "\n".join(lines)


# --- The terminal chat -----------------------------------------------------------------------


def terminal_banner_text(language: str | None = None) -> str:
    return pick(
        language,
        "渝中区服务助手（终端）。输入问题，/help 查看帮助，Ctrl-D 退出。",
        "Yuzhong service assistant (terminal). Type a question, /help for help, Ctrl-D to leave.",
    )


def new_message_prefix(language: str | None = None) -> str:
    """Before a message that arrived for this chat from elsewhere (a staff reply)."""
    return pick(language, "【新消息】", "[New message] ")


# --- Staff work: errors, assignment, notes, standard replies, queues (issues 15 and 16) -------
# Staff read Chinese by default; a staff member whose client (or /lang) is English gets English.


STAFF_USAGE: dict[str, tuple[str, str]] = {
    "ticket": ("/ticket N", "/ticket N"),
    "claim": ("/claim N", "/claim N"),
    "take": ("/take N", "/take N"),
    "assign": ("/assign N @用户名|用户id", "/assign N @name|user_id"),
    "release": ("/release N", "/release N"),
    "reply": ("/reply N 回复内容（或 #条目id、$口径名）", "/reply N text (or #entry-id, $snippet)"),
    "note": ("/note N 备注内容", "/note N text"),
    "close": ("/close N（可加备注）", "/close N (optional note)"),
    "reopen": ("/reopen N", "/reopen N"),
    "followup": ("/followup N 回访情况", "/followup N what the follow-up found"),
    "stats": ("/stats [day|week|month]", "/stats [day|week|month]"),
}


def staff_usage_text(command: str, language: str | None = None) -> str:
    zh, en = STAFF_USAGE[command]
    return pick(language, f"用法：{zh}", f"Usage: {en}")


def ticket_not_found_text(number: int, language: str | None = None) -> str:
    return pick(language, f"没有工单 #{number}。", f"There is no ticket #{number}.")


def transition_error_text(
    number: int, reason: str, status: str, language: str | None = None
) -> str:
    """Why a ticket cannot make the change staff asked for, in the staff member's language."""
    state = status_label(status, language)
    if reason == "not_closed":
        return pick(
            language,
            f"工单 #{number} 当前是“{state}”，没有关闭，不需要重新打开。",
            f"Ticket #{number} is {state}, not closed; there is nothing to reopen.",
        )
    if reason == "not_assigned":
        return pick(
            language,
            f"工单 #{number} 目前没有负责人，无需释放。",
            f"Ticket #{number} is not assigned to anyone; there is nothing to release.",
        )
    return pick(
        language,
        f"工单 #{number} 已办结，不能这样操作；需要的话先发送 /reopen {number} 重新打开。",
        f"Ticket #{number} is closed; send /reopen {number} first if it needs more work.",
    )


def held_by_text(number: int, holder: str, language: str | None = None) -> str:
    return pick(
        language,
        f"#{number} 已由 {holder} 认领，没有改动。要接手请点“接手”或发送 /take {number}。",
        f"#{number} is held by {holder}; nothing changed. Tap “Take over” or send /take {number}.",
    )


def take_over_label(language: str | None = None) -> str:
    return pick(language, "接手", "Take over")


def empty_reply_text(language: str | None = None) -> str:
    return pick(
        language,
        "回复内容是空的，没有发送。请写上要告诉居民的话。",
        "The reply is empty and was not sent. Write what the resident should read.",
    )


def assigned_text(number: int, assignee: str, notified: bool, language: str | None = None) -> str:
    """Staff's confirmation of /assign; `notified`: a private notice was queued."""
    told = pick(
        language,
        "已私信通知对方（对方需先私聊启动过机器人，否则会在群里提示）。",
        "They are told in a private chat (if they have started the bot; if not, the group "
        "is told).",
    )
    return pick(
        language, f"#{number} 已指派给 {assignee}。", f"#{number} is assigned to {assignee}."
    ) + (told if notified else "")


def released_text(number: int, language: str | None = None) -> str:
    return pick(
        language,
        f"#{number} 已释放，回到未分配队列。",
        f"#{number} is released and back in the unassigned queue.",
    )


def assignee_notice_text(number: int, by: str, question: str, language: str | None = None) -> str:
    """The private message to a staff member a ticket was assigned to (question masked)."""
    return pick(
        language,
        f"📌 {by} 把工单 #{number} 指派给了您：\n{question}\n"
        f"回复这条消息即可答复居民，或发送 /ticket {number} 查看详情。",
        f"📌 {by} assigned ticket #{number} to you:\n{question}\n"
        f"Reply to this message to answer the resident, or send /ticket {number} for details.",
    )


def notice_refused_text(number: int, assignee: str, language: str | None = None) -> str:
    """For the staff group: the private notice could not be delivered."""
    return pick(
        language,
        f"⚠️ 无法私信通知 {assignee}：工单 #{number} 已指派给他/她，但对方还没有私聊启动过机器人"
        "（或已屏蔽）。请当面告知，或请对方先私聊机器人发送 /start。",
        f"⚠️ Could not tell {assignee} privately that ticket #{number} is theirs: they have not "
        "started a private chat with the bot (or blocked it). Tell them in person, or ask them "
        "to send /start to the bot.",
    )


def not_staff_member_text(who: str, language: str | None = None) -> str:
    return pick(
        language,
        f"{who} 不是工作人员（不在 STAFF_USER_IDS 里），不能指派。",
        f"{who} is not a staff member (not in STAFF_USER_IDS); cannot assign.",
    )


def unknown_staff_text(who: str, language: str | None = None) -> str:
    return pick(
        language,
        f"不认识 {who}。请用对方的 Telegram 用户 id（数字），或 STAFF 设置里的名字；"
        "对方在群里用过一次机器人后，也可以用 @用户名。",
        f"I don't know {who}. Use their Telegram user id (a number) or their name in the STAFF "
        "setting; once they have used the bot in the group, their @username works too.",
    )


def note_saved_text(number: int, language: str | None = None) -> str:
    return pick(
        language,
        f"已给 #{number} 添加内部备注（居民看不到）。",
        f"Internal note added to #{number} (the resident never sees it).",
    )


def standard_reply_preview_text(
    number: int, text: str, ticket_language: str, language: str | None = None
) -> str:
    """Shown to staff before a standard reply goes out, with a confirm button."""
    resident = pick(
        language,
        "英文" if is_english(ticket_language) else "中文",
        "English" if is_english(ticket_language) else "Chinese",
    )
    return pick(
        language,
        f"将把以下答复发给 #{number} 的居民（{resident}），确认后发送：\n\n{text}",
        f"This reply will go to the resident of #{number} ({resident}) once you confirm:\n\n{text}",
    )


def send_label(language: str | None = None) -> str:
    return pick(language, "✅ 确认发送", "✅ Send")


def unknown_entry_text(entry_id: str, language: str | None = None) -> str:
    return pick(
        language,
        f"知识库里没有条目 {entry_id}。",
        f"The knowledge base has no entry {entry_id}.",
    )


def unknown_snippet_text(name: str, language: str | None = None) -> str:
    return pick(
        language,
        f"没有名为 {name} 的答复口径。发送 /snippets 查看全部。",
        f"There is no snippet called {name}. Send /snippets to see them all.",
    )


def snippets_text(lines: Sequence[str], language: str | None = None) -> str:
    if not lines:
        return pick(
            language,
            "还没有答复口径。用 tickets snippet add 名字 内容 添加。",
            "No snippets yet. Add one with `tickets snippet add NAME TEXT`.",
        )
    head = pick(
        language,
        "答复口径（/reply 编号 $名字 发送）：",
        "Snippets (send with /reply N $name):",
    )
    return "\n".join((head, *lines))


def no_matching_tickets_text(language: str | None = None) -> str:
    return pick(language, "没有符合条件的工单。", "No tickets match.")


def unknown_queue_text(wanted: str, language: str | None = None) -> str:
    return pick(
        language,
        f"不认识“{wanted}”。可以用：all 全部、mine 我的、unassigned 未分配、due 即将超时、"
        "overdue 已超时、rated-bad 差评，或状态 待处理 / 处理中 / 已回复 / 已办结。",
        f"I don't know “{wanted}”. Use all, mine, unassigned, due, overdue, rated-bad, or a "
        "status: waiting / in progress / answered / closed.",
    )


def staff_help_text(language: str | None = None) -> str:
    """The staff part of /help (added for STAFF_USER_IDS)."""
    lines = [pick(language, "工作人员命令：", "Staff commands:")]
    lines += [f"/{name} — {pick(language, zh, en)}" for name, zh, en in STAFF_COMMAND_HELP]
    return "\n".join(lines)


# (command, Chinese, English): the staff commands, for /help and the Telegram command menu.
STAFF_COMMAND_HELP: tuple[tuple[str, str, str], ...] = (
    (
        "tickets",
        "工单队列：/tickets [我的|未分配|即将超时|已超时|差评|all|状态]",
        "ticket queues: /tickets [mine|unassigned|due|overdue|rated-bad|all|status]",
    ),
    ("ticket", "查看工单及记录：/ticket 编号", "one ticket and its history: /ticket N"),
    ("claim", "认领：/claim 编号", "claim: /claim N"),
    ("take", "接手他人认领的工单：/take 编号", "take over from whoever holds it: /take N"),
    ("assign", "指派：/assign 编号 @用户名|用户id", "assign: /assign N @name|user_id"),
    ("release", "释放负责人：/release 编号", "release to the queue: /release N"),
    (
        "reply",
        "答复居民：/reply 编号 内容|#条目id|$口径名",
        "answer the resident: /reply N text|#entry-id|$snippet",
    ),
    ("note", "内部备注（居民看不到）：/note 编号 内容", "internal note: /note N text"),
    ("close", "关闭：/close 编号（可加备注）", "close: /close N (optional note)"),
    ("reopen", "重新打开：/reopen 编号", "reopen: /reopen N"),
    (
        "followup",
        "记录差评回访：/followup 编号 回访情况",
        "record a bad rating's follow-up: /followup N text",
    ),
    ("snippets", "答复口径列表", "saved standard replies"),
    ("stats", "工单统计（本周）：/stats [day|week|month]", "ticket stats: /stats [day|week|month]"),
    (
        "console",
        "网页工作台的一次性登录链接（仅私聊）",
        "a one-time web console login link (private chat only)",
    ),
    ("reload", "重新加载知识库", "reload the knowledge base"),
    (
        "teach",
        "把工单的问题和答复提交为知识库提案：/teach 编号 [#条目id|new 主管部门] [| 问法…]",
        "propose knowledge from a ticket: /teach N [#entry-id|new DEPARTMENT] [| wording…]",
    ),
    ("approve", "批准知识库提案（非提案人）：/approve P", "approve a proposal (not its author)"),
    ("reject", "驳回知识库提案：/reject P 理由", "reject a proposal: /reject P reason"),
)


def staff_done_text(
    action: str, number: int, who: str = "", language: str | None = None, previous: str = ""
) -> str:
    """The confirmation of a staff command: claimed, taken, replied, closed, reopened."""
    zh, en = {
        "claim": (f"#{number} 已由 {who} 认领。", f"#{number} is claimed by {who}."),
        "take": (f"#{number} 已由 {who} 接手。", f"#{number} is taken over by {who}."),
        "take_from": (
            f"#{number} 已由 {who} 接手（原负责人 {previous}）。",
            f"#{number} is taken over by {who} (previously held by {previous}).",
        ),
        "reply": (
            f"已回复 #{number}，回复已排队发送给居民。",
            f"Replied to #{number}; the reply is queued for the resident.",
        ),
        "close": (f"#{number} 已关闭。", f"#{number} is closed."),
        "reopen": (f"#{number} 已重新打开。", f"#{number} is reopened."),
    }[action]
    return pick(language, zh, en)


# --- The workflow: time limits, 好差评 ratings and follow-ups, reminders, stats (issue 16) -----

DUE_STATES = {
    "on_time": ("按时", "on time"),
    "due_soon": ("即将到期", "due soon"),
    "overdue": ("已超时", "overdue"),
}
LIMIT_NAMES = {
    "accept": ("受理", "accept"),
    "answer": ("答复", "answer"),
    "follow_up": ("回访", "follow-up"),
}


def due_state_label(state: str, language: str | None = None) -> str:
    """on_time / due_soon / overdue as staff read it (due soon: within the margin, 4 working
    hours by default)."""
    zh, en = DUE_STATES.get(state, (state, state))
    return pick(language, zh, en)


def limit_name(kind: str, language: str | None = None) -> str:
    zh, en = LIMIT_NAMES.get(kind, (kind, kind))
    return pick(language, zh, en)


def due_short_text(kind: str, when: str, state: str, language: str | None = None) -> str:
    """For a list line: the limit to watch, its due time and state ("答复 12-04 18:00 已超时")."""
    mark = {"overdue": "🔴", "due_soon": "🟡"}.get(state, "")
    return f"{mark}{limit_name(kind, language)} {when} {due_state_label(state, language)}"


def post_due_text(accept: str, answer: str) -> str:
    """The due times on a new ticket's staff post (local time, working days)."""
    return f"时限：受理 {accept} 前 · 答复 {answer} 前"


def due_detail_text(
    kind: str, when: str, state: str | None, met: str | None, late: bool, language: str | None
) -> str:
    """One line of /ticket: a limit, its due time, and its state or when it was met."""
    name = limit_name(kind, language)
    if met is not None:
        done = pick(language, "逾期完成", "met late") if late else pick(language, "按时完成", "met")
        return pick(
            language,
            f"{name}时限：{when}（{done}，{met}）",
            f"{name} by: {when} ({done}, {met})",
        )
    shown = due_state_label(state, language) if state else pick(language, "已办结", "closed")
    return pick(language, f"{name}时限：{when}（{shown}）", f"{name} by: {when} ({shown})")


def rating_line_text(rating: int, comment: str | None) -> str:
    """/ticket's line for the resident's rating (comment already masked)."""
    return f"好差评：{rating_label(rating)}" + (f"（意见：{comment}）" if comment else "")


def times_note_text(zone: str) -> str:
    """Under the due times of /ticket: which clock they are on."""
    return f"（时间为 {zone}，按工作日计算）"


RATING_LABELS = {
    5: ("非常满意", "Very satisfied"),
    4: ("满意", "Satisfied"),
    3: ("基本满意", "Fairly satisfied"),
    2: ("不满意", "Dissatisfied"),
    1: ("非常不满意", "Very dissatisfied"),
}


def rating_label(rating: int, language: str | None = None) -> str:
    zh, en = RATING_LABELS.get(rating, (str(rating), str(rating)))
    return pick(language, zh, en)


def closed_text(number: int, rate: bool, language: str | None = None) -> str:
    """The resident's notice that a ticket is closed; with `rate`, the 好差评 request."""
    text = pick(
        language,
        f"您的工单 #{number} 已办结。如果还有问题，可以直接再问我。",
        f"Your ticket #{number} is closed. Ask me again any time.",
    )
    if rate:
        text += pick(
            language,
            "\n\n请为这次服务评价（好差评），点下面的一个按钮：",
            "\n\nPlease rate how we handled it by tapping one of the buttons below:",
        )
    return text


def rating_thanks_text(rating: int, follow_up_days: int, language: str | None = None) -> str:
    """After a tap on a rating: thanks, the optional comment, and for a bad one the follow-up."""
    label = rating_label(rating, language)
    text = pick(language, f"谢谢您的评价：{label}。", f"Thank you for your rating: {label}.")
    if rating <= 2:
        text += pick(
            language,
            f"很抱歉没有让您满意，工作人员会在 {follow_up_days} 个工作日内回访。",
            f"We are sorry it was not good enough; our staff will follow up within "
            f"{follow_up_days} working days.",
        )
    return text + pick(
        language,
        "想补充一句意见的话，直接发一行文字；不需要就点“不用了”。",
        " If you want to add a comment, send it in one line; otherwise tap “No thanks”.",
    )


def rating_skip_label(language: str | None = None) -> str:
    return pick(language, "不用了", "No thanks")


def rating_comment_saved_text(number: int, language: str | None = None) -> str:
    return pick(
        language,
        f"已记下您对工单 #{number} 的意见，谢谢！如果这是一个新问题，请直接再发一次。",
        f"Your comment on ticket #{number} is saved. Thank you! If this was a new question, "
        "please send it again.",
    )


def rating_done_text(language: str | None = None) -> str:
    return pick(language, "好的，谢谢您的评价！", "All right, thank you for your rating!")


def already_rated_text(number: int, language: str | None = None) -> str:
    return pick(
        language,
        f"工单 #{number} 已经评价过了，每个工单只能评价一次。谢谢！",
        f"Ticket #{number} has been rated already; each ticket is rated once. Thank you!",
    )


def bad_rating_staff_text(number: int, rating: int, due: str, comment: str | None) -> str:
    """For the staff group: a bad rating came in and needs a follow-up (comment masked)."""
    text = (
        f"👎 工单 #{number} 收到差评：{rating_label(rating)}。请在 {due} 前回访，"
        f"用 /followup {number} 回访情况 记录。"
    )
    return text + (f"\n居民意见：{comment}" if comment else "")


def rating_comment_staff_text(number: int, rating: int, comment: str) -> str:
    """For the staff group: the comment a resident added to a bad rating (masked, quoted)."""
    return f"💬 工单 #{number} 的差评（{rating_label(rating)}）补充意见：{comment}"


def follow_up_saved_text(number: int, language: str | None = None) -> str:
    return pick(
        language,
        f"已记录 #{number} 的差评回访，它已移出“差评”队列。",
        f"The follow-up of #{number} is recorded; it has left the rated-bad queue.",
    )


def not_rated_bad_text(number: int, language: str | None = None) -> str:
    return pick(
        language,
        f"工单 #{number} 没有差评，不需要回访记录。",
        f"Ticket #{number} has no bad rating; there is no follow-up to record.",
    )


def due_reminder_text(lines: Sequence[str], more: int) -> str:
    """The grouped reminder: tickets that became due soon or overdue since the last one."""
    head = f"⏰ 时限提醒：以下 {len(lines) + more} 项即将到期或已超时（按工作日计算）："
    body = [head, *lines]
    if more:
        body.append(f"……另有 {more} 项，发送 /tickets overdue 或 /tickets due 查看。")
    body.append("/tickets due 即将到期 · /tickets overdue 已超时 · /tickets 差评")
    return "\n".join(body)


def calendar_warning_text(problems: Sequence[str]) -> str:
    """For the staff group: years the calendar does not know (time limits count every day)."""
    return "\n".join(
        [
            "⚠️ 工作日历缺少年份：这些年份的时限暂按每天都是工作日计算（到期时间只会提前，"
            "不会推后）。请在节假日文件里补上国务院公布的放假和调休安排：",
            *problems,
        ]
    )


STATS_LABELS = {
    "title": "📊 工单统计",
    "tickets": "新工单",
    "by_category": "按类别",
    "accepted": "按时受理率",
    "answered": "按时答复率",
    "first_reply": "首次答复用时（工作小时）",
    "close": "办结用时（工作小时）",
    "median": "中位数",
    "satisfaction": "满意率（非常满意+满意+基本满意 ÷ 全部评价）",
    "ratings": "好差评",
    "bot_answered": "机器人自答率（答复后未转工单 ÷ 全部问题）",
    "staff": "工作人员",
    "unanswered": "未答问题（相似的合并）",
    "more": "完整统计：python -m bot tickets stats",
    "votes": "答案反馈（累计）",
    "bot_answered_weekly": "机器人自答率（按周）",
    "claimed": "认领",
    "assigned": "指派",
    "staff_reply": "答复",
    "closed": "办结",
    "note": "备注",
    "followed_up": "回访",
}


def stats_label(key: str) -> str:
    """A label of the stats report (staff read it in Chinese)."""
    return STATS_LABELS.get(key, key)


# --- The staff web console (bot/console/, issue 17) ---------------------------------------
# key → (Chinese, English): the console's fixed labels; templates read them as `w.key`.
CONSOLE_WORDS: dict[str, tuple[str, str]] = {
    "title": ("渝中区服务助手 · 工作台", "Yuzhong assistant · staff console"),
    "nav_queue": ("工单队列", "Queue"),
    "nav_stats": ("统计", "Stats"),
    "nav_knowledge": ("知识库", "Knowledge"),
    "logout": ("退出", "Log out"),
    "tab_unassigned": ("未认领", "Unclaimed"),
    "tab_mine": ("我的", "Mine"),
    "tab_due": ("即将超期", "Due soon"),
    "tab_overdue": ("已超期", "Overdue"),
    "tab_rated-bad": ("待回访", "Follow-up"),
    "tab_all": ("全部", "All"),
    "status": ("状态", "Status"),
    "category": ("类别", "Category"),
    "assignee": ("负责人", "Assignee"),
    "since": ("起始日期", "From"),
    "until": ("截止日期", "To"),
    "search": ("搜索", "Search"),
    "search_hint": ("问题、补充或回复中的文字", "text in questions, follow-ups, replies"),
    "sort": ("排序", "Sort"),
    "sort_newest": ("最新在前", "newest first"),
    "sort_oldest": ("最早在前", "oldest first"),
    "sort_updated": ("最近更新", "recently changed"),
    "any": ("不限", "any"),
    "apply": ("筛选", "Filter"),
    "export": ("导出 CSV", "Export CSV"),
    "col_number": ("编号", "No."),
    "col_age": ("已等待（工作时间）", "Waiting (working time)"),
    "col_due": ("期限", "Due"),
    "col_question": ("问题", "Question"),
    "no_tickets": ("没有符合条件的工单。", "No tickets match."),
    "prev": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "due_soon": ("即将超期", "due soon"),
    "overdue": ("已超期", "overdue"),
    "on_time": ("按期", "on time"),
    "b_1h": ("1 小时内", "within 1 h"),
    "b_4h": ("1–4 小时", "1–4 h"),
    "b_1d": ("4 小时–1 个工作日", "4 h – 1 working day"),
    "b_3d": ("1–3 个工作日", "1–3 working days"),
    "b_more": ("超过 3 个工作日", "over 3 working days"),
    "b_none": ("尚未回复", "no reply yet"),
    "share_note": (
        "占比 = 机器人解答、没有再转成工单的问题 ÷ 全部问题"
        "（解答的 + 直接转成工单的），与 /stats 相同。",
        "Share = questions the bot answered that did not become a ticket ÷ all questions "
        "(answered + filed straight as tickets), as in /stats.",
    ),
    "photo_missing": ("照片无法获取", "photo unavailable"),
    "logged_in": ("已登录，正在进入工作台…", "Logged in; opening the console…"),
    "continue": ("进入工作台", "Open the console"),
    "done": ("已完成", "Done"),
    "error": (
        "出错了，操作可能没有完成。请刷新页面查看，稍后再试。",
        "Something went wrong; the action may not have been done. Reload the page to check.",
    ),
    "unassigned": ("（未认领）", "(unclaimed)"),
    "history": ("记录", "History"),
    "question": ("问题", "Question"),
    "created": ("提交时间", "Filed"),
    "resident": ("居民", "Resident"),
    "phone": ("电话", "Phone"),
    "photos": ("照片", "Photos"),
    "reply": ("答复居民", "Reply to the resident"),
    "reply_button": ("发送答复", "Send reply"),
    "note": ("内部备注（居民看不到）", "Internal note (never sent)"),
    "note_button": ("保存备注", "Save note"),
    "snippets": ("答复口径", "Standard replies"),
    "snippet_search": ("按标题搜索知识条目", "search entries by title"),
    "insert": ("插入", "Insert"),
    "claim": ("认领", "Claim"),
    "take": ("接手", "Take over"),
    "assign": ("指派", "Assign"),
    "assign_to": ("指派给", "Assign to"),
    "release": ("释放", "Release"),
    "close": ("关闭", "Close"),
    "close_note": ("关闭备注（内部，可不填）", "closing note (internal, optional)"),
    "reopen": ("重新打开", "Reopen"),
    "closest": ("相近知识条目", "Closest knowledge entries"),
    "none": ("（无）", "(none)"),
    "stats_period": ("统计区间", "Period"),
    "days_7": ("近 7 天", "last 7 days"),
    "days_30": ("近 30 天", "last 30 days"),
    "days_90": ("近 90 天", "last 90 days"),
    "per_day": ("每日工单（按类别）", "Tickets per day by category"),
    "first_reply": ("首次回复时间分布（工作时间）", "Time to first reply (working time)"),
    "ratings": ("好差评分布", "Ratings (好差评)"),
    "rating": ("好差评", "Rating"),
    "follow_up": ("回访", "Follow-up"),
    "follow_up_due": ("回访期限", "follow up by"),
    "follow_up_hint": (
        "回访结果：联系了谁、怎么说的（记入记录）",
        "what the follow-up found (kept in the history)",
    ),
    "follow_up_button": ("记录回访", "Record follow-up"),
    "no_ratings": ("这段时间没有评价。", "No ratings in this period."),
    "answered_share": ("机器人解答占比（每周）", "Share the bot answered, per week"),
    "top_unanswered": (
        "未解答问题（相似问法归为一组，与 /stats 相同）",
        "Top unanswered questions (similar wordings grouped, as in /stats)",
    ),
    "tickets": ("工单", "Tickets"),
    "count": ("数量", "Count"),
    "example": ("问法", "Wording"),
    "totals": ("合计", "Totals"),
    "tickets_total": ("工单", "tickets"),
    "answered_total": ("机器人解答", "answered by the bot"),
    "replied_median": ("首次回复中位数", "median first reply"),
    "entries": ("知识条目", "Knowledge entries"),
    "questions": ("问法", "Questions"),
    "answered_week": ("本周解答次数", "Answered this week"),
    "answer": ("答案", "Answer"),
    "login_needed": (
        "请先登录：在 Telegram 里私聊机器人，发送 /console，打开它给您的链接。",
        "Please log in: send /console to the bot in a private Telegram chat and open the link.",
    ),
    "link_used": (
        "这个登录链接已经用过了，每个链接只能用一次。请在 Telegram 私聊里再发一次 /console。",
        "This login link has been used already; each link works once. Send /console again.",
    ),
    "link_expired": (
        "这个登录链接已过期（有效 10 分钟）。请在 Telegram 私聊里再发一次 /console。",
        "This login link has expired (links last 10 minutes). Send /console again.",
    ),
    "link_unknown": (
        "这个登录链接无效。请在 Telegram 私聊里发送 /console 获取新链接。",
        "This login link is not valid. Send /console in a private chat for a new one.",
    ),
    "not_staff": (
        "这个账号不在工作人员名单中，不能使用工作台。",
        "This account is not on the staff list and cannot use the console.",
    ),
    "csrf_refused": (
        "请求没有通过安全校验（页面可能已过期），没有执行任何操作。请刷新页面后重试。",
        "The request failed the security check (the page may be stale); nothing was done. "
        "Reload the page and try again.",
    ),
    "logged_out": ("您已退出工作台。", "You are logged out."),
    "stale": (
        "这张工单在您打开后已被他人更改，您的操作没有执行。下面是它现在的状态，请看过后再操作。",
        "Someone changed this ticket after you opened it; your action was not done. "
        "Here is its state now: check it and try again.",
    ),
    "not_found": ("没有这个页面。", "No such page."),
    "busy": (
        "系统有点忙，刚才的操作没有保存。请过一会儿再试一次。",
        "The system is busy; that was not saved. Please try again in a moment.",
    ),
}


def console_words(language: str | None = None) -> dict[str, str]:
    """The console's labels in one language, for the templates."""
    labels = CONSOLE_WORDS | CONSOLE_TEACH_WORDS
    return {key: pick(language, zh, en) for key, (zh, en) in labels.items()}


def console_page_text(page: int, pages: int, total: int, language: str | None = None) -> str:
    return pick(
        language, f"第 {page}/{pages} 页，共 {total} 条", f"page {page} of {pages}, {total} in all"
    )


def console_presence_text(names: Sequence[str], replying: bool, language: str | None = None) -> str:
    """Who else has the ticket open: "张三 正在回复" / "张三, 李四 are viewing"."""
    joined = "、".join(names) if not is_english(language) else ", ".join(names)
    if replying:
        return pick(language, f"{joined} 正在回复这张工单", f"{joined} replying to this ticket")
    return pick(language, f"{joined} 也在查看这张工单", f"{joined} also viewing this ticket")


def console_link_text(url: str, minutes: int, language: str | None = None) -> str:
    """The reply to /console: a one-time login link."""
    return pick(
        language,
        f"工作台登录链接（{minutes} 分钟内有效，只能用一次，请勿转发）：\n{url}",
        f"Your console login link (valid {minutes} minutes, works once; do not forward it):\n{url}",
    )


def console_private_only_text(language: str | None = None) -> str:
    return pick(
        language,
        "请在与机器人的私聊中发送 /console：登录链接不能发到群里。",
        "Send /console in a private chat with the bot: a login link must not go to a group.",
    )


def console_age_text(span: timedelta, language: str | None = None) -> str:
    """A working-time span in the queue: "45 分钟", "3 小时 20 分" / "45 min", "3 h 20 min"."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return pick(language, f"{minutes} 分钟", f"{minutes} min")
    hours, rest = divmod(minutes, 60)
    return pick(language, f"{hours} 小时 {rest} 分", f"{hours} h {rest} min")


# --- Messages to a resident about their ticket ------------------------------------------------


def staff_reply_text(number: int, question: str, reply: str, language: str | None = None) -> str:
    """A staff reply as the resident reads it: which ticket, their question (first line, masked)
    so the answer has its context, then the reply."""
    asked = (
        pick(language, f"您的问题：{question}\n", f"Your question: {question}\n")
        if question
        else ""
    )
    return pick(
        language,
        f"工作人员回复了您的工单 #{number}：\n{asked}\n{reply}",
        f"Our staff replied to your ticket #{number}:\n{asked}\n{reply}",
    )


def ticket_reopened_text(number: int, language: str | None = None) -> str:
    return pick(
        language,
        f"您的工单 #{number} 已重新打开，工作人员会继续处理，回复会发到这个对话里。",
        f"Your ticket #{number} is open again; our staff will keep working on it and reply here.",
    )


# --- The staff post of a new ticket ----------------------------------------------------------


def claim_label() -> str:
    return "认领"


def close_label() -> str:
    return "关闭"


def help_label(language: str | None = None) -> str:
    return pick(language, "使用说明", "How to use this assistant")


def latest_reply_label(language: str | None = None) -> str:
    return pick(language, "最新回复", "Latest reply")


def staff_post_text(
    number: int,
    category: str,
    question: str,
    name: str,
    channel: str,
    language: str,
    phone: str | None,
    nearest: list[str],
    due: str = "",
) -> str:
    """A new ticket as the staff group reads it (every part already masked and made plain):
    `#N · category · question`, who asked, its due times (`post_due_text`), the phone, the
    nearest entries; reply to answer."""
    lines = [
        f"#{number} · {category} · {question}",
        f"来自：{name or '居民'}（{channel}，语言 {language}）",
    ]
    if due:
        lines.append(due)
    if phone:
        lines.append(f"电话：{phone}（完整号码用 /ticket {number} 查看）")
    if nearest:
        lines.append("相近条目：" + "、".join(nearest))
    lines.append("直接回复这条消息即可答复居民。")
    return "\n".join(lines)


# --- A ticket as staff read it (bot/helpdesk/views.py) ---------------------------------------

EVENT_LABELS = {
    "created": "创建",
    "claimed": "认领",
    "staff_reply": "工作人员回复",
    "resident_followup": "居民补充",
    "closed": "关闭",
    "reopened": "重新打开",
    "assigned": "指派",
    "released": "释放",
    "note": "内部备注",
    "notice_failed": "私信通知失败",
    "rated": "居民评价",
    "rating_comment": "评价意见",
    "followed_up": "差评回访",
}


def age_text(minutes: int) -> str:
    """How long a ticket has waited, in the largest sensible unit."""
    if minutes < 60:
        return f"{minutes} 分钟"
    if minutes < 48 * 60:
        return f"{minutes // 60} 小时"
    return f"{minutes // (24 * 60)} 天"


def ticket_head_lines(
    *,
    number: int,
    status: str,
    category: str,
    created: str,
    updated: str,
    name: str,
    user_id: int,
    chat_id: int,
    channel: str,
    language: str,
    holder: str | None,
) -> list[str]:
    return [
        f"工单 #{number} · {status} · {category}",
        f"创建：{created}　更新：{updated}",
        f"居民：{name or '（无名）'} · 用户 {user_id} · 对话 {chat_id} · "
        f"{channel} · 语言 {language}",
        f"负责人：{holder or '（未认领）'}",
    ]


def ticket_facts_lines(phone: str | None, attachments: list[str], nearest: list[str]) -> list[str]:
    lines = []
    if phone:
        lines.append(f"电话：{phone}")
    if attachments:
        lines.append("附件：" + "、".join(attachments))
    if nearest:
        lines.append("相近条目：" + "、".join(nearest))
    return lines


def question_heading() -> str:
    return "问题："


def history_heading() -> str:
    return "记录："


def event_line(when: str, kind: str, who: str, text: str) -> str:
    label = EVENT_LABELS.get(kind, kind)
    return f"  {when} {label} · {who}{'：' + text if text else ''}"


def previous_holder_text(name: str) -> str:
    return f"（原负责人 {name}）"


def taken_from_text(name: str) -> str:
    return f"接手，原负责人 {name}"


# --- Learning from tickets: knowledge proposals and their review (issue 18) -----------------


def owner_line(entry: Entry, language: str | None = None) -> str:
    """Under an answer that a staff member gave and a department owns: who owns it, since when."""
    source = entry.staff_source
    if source is None:
        return ""
    return pick(
        language,
        f"\n\n（来源：{source.owner}，工作人员答复，{source.date}）",
        f"\n\n(Source: {source.owner}, a staff answer of {source.date})",
    )


def proposal_made_text(number: int, summary: str, language: str | None = None) -> str:
    """After /teach: the proposal's number, its checks, and who may approve it."""
    return pick(
        language,
        f"已提交知识库提案 P{number}。\n{summary}\n需由另一位工作人员审核：/approve {number} 或 "
        f"/reject {number} 理由（命令行：kb approve {number}）。",
        f"Knowledge proposal P{number} is filed.\n{summary}\nAnother staff member reviews it: "
        f"/approve {number} or /reject {number} reason (shell: kb approve {number}).",
    )


def proposal_checks_text(
    kind: str,
    entry_id: str,
    problems: Sequence[str],
    stolen: Sequence[str],
    changed: int,
    loo: tuple[float, float],
    already: Sequence[str] = (),
    language: str | None = None,
) -> str:
    """A proposal's automatic checks, as /teach reports them (`kb review` shows every line)."""
    what = pick(language, "新问法" if kind == "wording" else "新条目", kind)
    lines = [f"{what} · {entry_id}"]
    lines += [pick(language, f"✗ 规则：{p}", f"✗ rule: {p}") for p in problems[:3]]
    lines += [pick(language, f"✗ 抢走：{s}", f"✗ takes: {s}") for s in stolen[:5]]
    if already:
        lines.append(
            pick(
                language,
                f"! 现在已能正确回答（可能不需要）：{'、'.join(already)}",
                f"! already answered right today (maybe not needed): {', '.join(already)}",
            )
        )
    if not problems:
        lines.append(
            pick(
                language,
                f"规则问题 {len(problems)} 个，抢走其他条目的问题 {len(stolen)} 个；"
                f"{changed} 个问题的结果改变；留一法 {loo[0]}% → {loo[1]}%",
                f"{len(problems)} kb check problem(s), {len(stolen)} stolen; "
                f"{changed} question(s) decided differently; leave-one-out {loo[0]}% → {loo[1]}%",
            )
        )
    return "\n".join(lines)


def proposal_decided_text(number: int, approved: bool, language: str | None = None) -> str:
    if approved:
        return pick(
            language,
            f"提案 P{number} 已批准，知识库已写入，服务将在一分钟内重新加载。",
            f"Proposal P{number} is approved and written; the service reloads within a minute.",
        )
    return pick(language, f"提案 P{number} 已驳回。", f"Proposal P{number} is rejected.")


def proposal_refused_text(reason: str, language: str | None = None) -> str:
    """A /teach, /approve or /reject that cannot be done, with the reason
    (`teach_refused_text`)."""
    return pick(language, f"无法处理：{reason}", f"Not done: {reason}")


def teach_usage_text(language: str | None = None) -> str:
    return pick(
        language,
        "用法：/teach 编号 [#条目id]（把居民的问题加为该条目的新问法；不写条目则取最接近的条目）；"
        "/teach 编号 new 主管部门（用工作人员的答复起草新条目，至少6种问法）；更多问法用 | 隔开："
        "/teach 编号 new 主管部门 | 问法二 | 问法三；/approve P；/reject P 理由",
        "Usage: /teach N [#entry-id] (the resident's question as a new wording of that entry; "
        "without one, the closest entry); /teach N new DEPARTMENT (a new entry drafted from the "
        "staff reply; at least 6 wordings); more wordings after |: /teach N new DEPARTMENT | "
        "wording 2 | wording 3; /approve P; /reject P reason",
    )


# The console in English: categories and history events (the group and the CLI show them in
# Chinese only, as CATEGORY_LABELS and bot/helpdesk/operations.py EVENT_LABELS).
CONSOLE_CATEGORIES_EN = {
    "unanswered": "unanswered",
    "cross-district": "cross-district",
    "human-request": "asked for a person",
    "feedback": "answer feedback",
    "report": "photo report",
}
CONSOLE_EVENTS_EN = {
    "created": "filed",
    "claimed": "claimed",
    "staff_reply": "staff reply",
    "resident_followup": "resident's follow-up",
    "closed": "closed",
    "reopened": "reopened",
    "assigned": "assigned",
    "released": "released",
    "note": "internal note",
    "notice_failed": "private notice failed",
    "rated": "rated by the resident",
    "rating_comment": "rating comment",
    "followed_up": "bad rating followed up",
}


def console_category_label(category: str, language: str | None = None) -> str:
    return pick(language, category_label(category), CONSOLE_CATEGORIES_EN.get(category, category))


def console_event_label(kind: str, language: str | None = None) -> str:
    """A history event's label in the console (Chinese as /ticket shows it, or English)."""
    return pick(language, EVENT_LABELS.get(kind, kind), CONSOLE_EVENTS_EN.get(kind, kind))


# --- The console's knowledge proposals (bot/console/teach.py, issue 18) --------------------
CONSOLE_TEACH_WORDS: dict[str, tuple[str, str]] = {
    "teach": ("转为知识", "Teach the knowledge base"),
    "teach_hint": (
        "把这张工单的问题和工作人员的答复提交为知识库提案，由另一位工作人员审核后生效。",
        "Propose this ticket's question and the staff answer as knowledge; another staff member "
        "reviews it before residents see it.",
    ),
    "teach_wording": ("作为已有条目的新问法", "A new wording for an existing entry"),
    "teach_entry": ("根据工作人员的答复新建条目", "A new entry drafted from the staff reply"),
    "teach_entry_id": ("条目", "Entry"),
    "teach_more": ("其他问法（每行一个，可不填）", "More wordings (one a line, optional)"),
    "teach_title": ("标题（可不填：取问题的开头）", "Title (optional: the question's start)"),
    "teach_category": ("类别", "Category"),
    "teach_audience": ("对象", "Audience"),
    "audience_resident": ("居民", "residents"),
    "audience_enterprise": ("企业", "enterprises"),
    "audience_both": ("居民和企业", "both"),
    "teach_answer": ("答案（取自工作人员的答复）", "Answer (from the staff reply)"),
    "teach_answer_en": ("英文答案（可不填）", "English answer (optional)"),
    "teach_owner": (
        "负责部门（谁提供、谁维护，必填）",
        "Department that provides and maintains the answer (required)",
    ),
    "teach_public_number": (
        "答案中的公开服务电话（须经负责部门确认）",
        "Public service number in the answer (confirmed by the department)",
    ),
    "teach_button": ("提交提案", "File the proposal"),
    "teach_needs_reply": (
        "工作人员答复之后，才能把这张工单转为知识。",
        "A ticket can be taught once staff have answered it.",
    ),
    "tab_entries": ("条目", "Entries"),
    "tab_proposals": ("待审核", "To review"),
    "no_proposals": ("没有待审核的提案。", "No proposals wait for review."),
    "p_change": ("改动", "Change"),
    "p_origin": ("来源", "Origin"),
    "p_author": ("提出人", "Proposed by"),
    "p_checks": ("自动检查", "Checks"),
    "p_checks_running": (
        "正在运行自动检查（约半分钟），完成后显示在这里。",
        "The checks are running (about half a minute); they appear here when done.",
    ),
    "p_kind_wording": ("新问法", "new wording"),
    "p_kind_entry": ("新条目", "new entry"),
    "origin_ticket": ("工单", "ticket"),
    "origin_thumbs-down": ("居民点了 👎 的答案", "an answer a resident rated 👎"),
    "origin_none-of-these": ("居民选了“都不是”", "a resident chose “none of these”"),
    "p_owner": ("负责部门", "Owner"),
    "p_rules": ("知识库规则（kb check）", "kb check rules"),
    "p_rules_ok": ("✓ 全部通过", "✓ all pass"),
    "p_already": (
        "现在已能正确回答（可能不需要）",
        "Already answered right today (maybe not needed)",
    ),
    "p_contacts": (
        "答案中的联系方式（须确认为公开服务电话）",
        "Contact details in the answer (must be a confirmed public number)",
    ),
    "p_regression": ("回归检查", "Regression"),
    "p_stolen": ("抢走其他条目的问题", "takes another entry's question"),
    "p_loo": ("留一法准确率", "Leave-one-out accuracy"),
    "p_changed": ("结果改变的问题", "questions decided differently"),
    "approve": ("批准", "Approve"),
    "p_mine": (
        "（您提出的提案，须由另一位工作人员批准）",
        "(your proposal: another staff member approves it)",
    ),
    "despite_stolen": ("仍然批准（已看过被抢走的问题）", "approve despite the taken questions"),
    "reject": ("驳回", "Reject"),
    "reject_why": ("驳回理由（必填）", "Why (required)"),
    "gaps": (
        "本周未解答的问题（相似问法归为一组）",
        "This week's unanswered questions (similar wordings grouped)",
    ),
    "no_gaps": ("本周没有未解答的问题。", "No unanswered questions this week."),
    "gap_best": ("最佳答复", "Best staff answer"),
    "gap_propose": ("据此新建条目", "Propose a new entry from it"),
    "gap_no_reply": ("尚无工作人员答复", "no staff answer yet"),
}


def console_proposal_made_text(number: int, language: str | None = None) -> str:
    return pick(
        language,
        f"已提交知识库提案 P{number}，检查结果如下；须由另一位工作人员批准。",
        f"Proposal P{number} is filed; its checks are below. Another staff member approves it.",
    )


def console_proposal_decided_text(number: int, approved: bool, language: str | None = None) -> str:
    if approved:
        return pick(
            language,
            f"提案 P{number} 已批准并写入知识库，服务会自动重新加载（一分钟内）。",
            f"Proposal P{number} is approved and written; the service reloads (within a minute).",
        )
    return pick(language, f"提案 P{number} 已驳回。", f"Proposal P{number} is rejected.")


def console_author_refused_text(number: int, language: str | None = None) -> str:
    return pick(
        language,
        f"不能批准 P{number}：这是您自己提出的提案，须由另一位工作人员审核。没有做任何改动。",
        f"You cannot approve P{number}: you proposed it, so another staff member must review "
        "it. Nothing was changed.",
    )


def console_proposal_refused_text(number: int, reasons: str, language: str | None = None) -> str:
    """An approval not done, with the reasons (`teach_refused_text`)."""
    return pick(
        language,
        f"P{number} 没有批准，知识库未改动：{reasons}",
        f"P{number} was not approved; the knowledge is unchanged: {reasons}",
    )


def console_proposal_not_done_text(reason: str, language: str | None = None) -> str:
    return pick(language, f"没有提交：{reason}", f"Not done: {reason}")


# --- The learning loop's refusals (bot/learning/refusal.py, issue 18) -----------------------
# A refusal's reason in each language, then what to do about it on the surface the staff
# member used: the shell ("cli", English throughout), the staff group ("telegram") or the
# console's forms ("console"). Placeholders are the fields of `bot.learning.refusal.Refusal`.
TeachSurface = Literal["cli", "telegram", "console"]


class TeachRefusal(Protocol):
    """What words need of a refusal (`bot.learning.refusal.Refusal`)."""

    @property
    def kind(self) -> str: ...

    def values(self) -> dict[str, str | int]: ...


TEACH_REFUSALS: dict[str, tuple[str, str]] = {
    "no_question": (
        "工单 #{ticket} 去掉电话、证件号等个人信息后，没有剩下问题文字",
        "ticket #{ticket} has no question text left once personal data is removed",
    ),
    "no_close_entry": ("没有与这个问题接近的条目", "no entry is close to this question"),
    "unknown_kind": (
        "没有「{detail}」这种提案：只能是新问法或新条目",
        "unknown kind {detail!r}: wording or entry",
    ),
    "bad_id": (
        "条目id「{entry}」只能由小写字母、数字和 - 组成",
        "id {entry!r} must be lowercase letters, digits and '-'",
    ),
    "entry_exists": ("条目「{entry}」已经存在", "entry {entry!r} exists already"),
    "unknown_entry": ("知识库中没有条目「{entry}」", "no entry {entry!r} in the knowledge base"),
    "no_staff_reply": (
        "工单 #{ticket} 还没有工作人员答复，无法据此起草答案",
        "ticket #{ticket} has no staff reply to draft an answer from",
    ),
    "no_category": (
        "新条目需要类别，而没有与这个问题接近的条目可以借用类别",
        "a new entry needs a category, and no entry is close enough to take one from",
    ),
    "unknown_category": ("没有类别「{category}」", "unknown category {category!r}"),
    "no_source": (
        "新条目需要来源：提供和维护这个答案的部门，或来源报告中的原文",
        "a new entry needs a source: the department that owns the answer, or a quote from a "
        "seed report",
    ),
    "no_theme_file": (
        "类别「{category}」还没有任何条目，不知道把新条目写进哪个文件",
        "no theme file holds entries of category {category!r}",
    ),
    "entry_gone": (
        "条目「{entry}」已不在知识库中（提案之后被删除或改名）",
        "entry {entry!r} is no longer in the knowledge base (removed or renamed since)",
    ),
    "entry_not_in_file": (
        "条目「{entry}」不在文件 {detail} 中",
        "entry {entry!r} is not in {detail}",
    ),
    "no_reason": ("驳回提案 P{proposal} 需要说明理由", "say why proposal P{proposal} is rejected"),
    "no_proposal": ("没有提案 P{proposal}", "no proposal P{proposal}"),
    "decided": ("提案 P{proposal} 已经{status}，不能再审核", "P{proposal} is already {status}"),
    "author": (
        "P{proposal} 是您提出的，须由另一位工作人员审核",
        "you proposed P{proposal}; another staff member reviews it",
    ),
    "kb_check": ("不符合知识库规则（kb check）：{detail}", "kb check: {detail}"),
    "contact": (
        "答案中有联系方式：{detail}（只能保留负责部门确认过的公开服务电话）",
        "contact detail in the answer: {detail} (only a public number its owner confirmed may "
        "stay)",
    ),
    "takes": (
        "会抢走「{question}」（{where}：{before} → {after}）",
        "takes {question!r} ({where}: {before} → {after})",
    ),
}
_DECIDED = {"approved": ("批准", "approved"), "rejected": ("驳回", "rejected")}
_ON_CONSOLE = "请在网页工作台这张工单的「转为知识」中"
TEACH_REFUSAL_FIXES: dict[tuple[str, TeachSurface], tuple[str, str]] = {
    ("no_question", "cli"): ("用 --question 加一个问法", "add a wording with --question"),
    ("no_question", "telegram"): (
        "请在命令后用 | 加上问法：/teach {ticket} … | 问法",
        "add a wording after |: /teach {ticket} … | wording",
    ),
    ("no_question", "console"): (
        "请在「其他问法」中写一个问法",
        "write one under “More wordings”",
    ),
    ("no_close_entry", "cli"): (
        "用 --entry 指定条目，或用 --new 新建条目",
        "name one with --entry, or draft a new entry with --new",
    ),
    ("no_close_entry", "telegram"): (
        "请指明条目：/teach {ticket} #条目id；或新建条目：/teach {ticket} new 主管部门",
        "name one: /teach {ticket} #entry-id; or draft a new entry: /teach {ticket} new DEPARTMENT",
    ),
    ("no_close_entry", "console"): (
        "请改选「根据工作人员的答复新建条目」",
        "choose “A new entry drafted from the staff reply” instead",
    ),
    ("bad_id", "cli"): ("用 --entry 换一个id", "give another with --entry"),
    ("entry_exists", "cli"): (
        "用 --entry 换一个id，或把问题加为它的新问法：kb propose --from-ticket {ticket} "
        "--entry {entry}",
        "give another id with --entry, or add the question as a wording of it: kb propose "
        "--from-ticket {ticket} --entry {entry}",
    ),
    ("entry_exists", "telegram"): (
        "可以把问题加为它的新问法：/teach {ticket} #{entry}",
        "add the question as a wording of it instead: /teach {ticket} #{entry}",
    ),
    ("entry_exists", "console"): (
        "可以改选「作为已有条目的新问法」",
        "choose “A new wording for an existing entry” instead",
    ),
    ("unknown_entry", "cli"): (
        "请检查id，或去掉 --entry 以取最接近的条目",
        "check the id, or leave out --entry to take the closest entry",
    ),
    ("unknown_entry", "telegram"): (
        "请检查条目id；不写条目id则取最接近的条目：/teach {ticket}",
        "check the id; without one the closest entry is taken: /teach {ticket}",
    ),
    ("unknown_entry", "console"): ("请在「条目」中选择一个", "choose one under “Entry”"),
    ("no_staff_reply", "cli"): (
        "请先答复（tickets reply {ticket} …），或用 --answer 写出答案",
        "reply first (tickets reply {ticket} …), or give the answer with --answer",
    ),
    ("no_staff_reply", "telegram"): (
        "请先答复：/reply {ticket} 答复内容",
        "reply first: /reply {ticket} YOUR ANSWER",
    ),
    ("no_staff_reply", "console"): (
        "请先答复这张工单，或在「答案」中写出答案",
        "reply to the ticket first, or write the answer under “Answer”",
    ),
    ("no_category", "cli"): ("用 --category 指定类别", "give one with --category"),
    ("no_category", "telegram"): (
        f"群里的 /teach 不能指定类别：{_ON_CONSOLE}选择类别",
        "the group's /teach cannot name a category: choose one in the web console's "
        "“Teach the knowledge base” form of this ticket",
    ),
    ("no_category", "console"): ("请在「类别」中选择一个", "choose one under “Category”"),
    ("unknown_category", "cli"): ("用 --category 指定类别", "give another with --category"),
    ("unknown_category", "console"): ("请在「类别」中选择一个", "choose one under “Category”"),
    ("no_source", "cli"): (
        "用 --owner 写明负责部门，或用 --seed-file 和 --seed-quote 引用来源报告",
        "name the department with --owner, or quote a seed report with --seed-file and "
        "--seed-quote",
    ),
    ("no_source", "telegram"): (
        "请把负责部门写在 new 之后：/teach {ticket} new 主管部门",
        "name the department after new: /teach {ticket} new DEPARTMENT",
    ),
    ("no_source", "console"): (
        "请填写「负责部门」",
        "fill in “Department that provides and maintains the answer”",
    ),
    ("no_theme_file", "cli"): ("用 --category 换一个类别", "give another with --category"),
    ("no_theme_file", "telegram"): (
        f"{_ON_CONSOLE}换一个类别",
        "choose another category in the web console's “Teach the knowledge base” form",
    ),
    ("no_theme_file", "console"): ("请在「类别」中换一个", "choose another under “Category”"),
    ("entry_gone", "cli"): ("请用 kb reject 驳回这个提案", "reject the proposal (kb reject)"),
    ("entry_gone", "telegram"): ("请用 /reject 驳回这个提案", "reject the proposal (/reject)"),
    ("entry_gone", "console"): ("请驳回这个提案", "reject the proposal"),
    ("no_reason", "cli"): ("用 --why 写明理由", "give the reason with --why"),
    ("no_reason", "telegram"): (
        "请把理由写在编号之后：/reject {proposal} 理由",
        "give the reason after the number: /reject {proposal} REASON",
    ),
    ("no_reason", "console"): ("请填写「驳回理由」", "fill in “Why”"),
    ("kb_check", "cli"): (
        "请驳回它（kb reject {proposal} --why …），改好后重新提出",
        "reject it (kb reject {proposal} --why …) and propose it again fixed",
    ),
    ("kb_check", "telegram"): (
        "请驳回（/reject {proposal} 理由），改好后重新提交",
        "reject it (/reject {proposal} REASON) and propose it again fixed",
    ),
    ("kb_check", "console"): ("请驳回它，改好后重新提交", "reject it and propose it again fixed"),
    ("contact", "cli"): (
        "请驳回它，去掉联系方式后重新提出，或用 --public-number 写明负责部门确认的公开服务电话",
        "reject it and propose it again without it, or with --public-number for a public number "
        "its owner confirmed",
    ),
    ("contact", "telegram"): (
        "请驳回（/reject {proposal} 理由），去掉联系方式后重新提交",
        "reject it (/reject {proposal} REASON) and propose it again without it",
    ),
    ("contact", "console"): (
        "请驳回它，去掉联系方式，或在「答案中的公开服务电话」中写明后重新提交",
        "reject it and propose it again without it, or with it under “Public service number in "
        "the answer”",
    ),
    ("takes", "cli"): (
        "看过这些问题后仍要批准，请加 --despite-stolen；否则驳回",
        "to approve it anyway once you have read them, add --despite-stolen; otherwise reject it",
    ),
    ("takes", "telegram"): (
        "群里的 /approve 不能越过这项检查：看过这些问题后仍要批准，请在网页工作台勾选"
        "「仍然批准」；否则驳回：/reject {proposal} 理由",
        "the group's /approve does not override this check: to approve it anyway, tick "
        "“approve despite the taken questions” in the web console; otherwise /reject "
        "{proposal} REASON",
    ),
    ("takes", "console"): (
        "看过这些问题后仍要批准，请勾选「仍然批准」；否则驳回",
        "to approve it anyway once you have read them, tick “approve despite the taken "
        "questions”; otherwise reject it",
    ),
}


# How the matcher decided a question ("answer: entry-id", "ticket: -"), in Chinese.
_VERDICTS_ZH = {
    "answer": "答复",
    "clarify": "追问",
    "confirm": "确认",
    "intent": "意图",
    "ticket": "转人工",
}


def _decided_zh(said: str) -> str:
    verdict, _, what = said.partition(": ")
    label = _VERDICTS_ZH.get(verdict, verdict)
    return label if what in ("", "-") else f"{label} {what}"


def decided_text(said: str, language: str | None = None) -> str:
    """How the matcher decided a question, as the learning checks record it ("answer: louxiaoer",
    "ticket: -"), in the staff member's language."""
    return said if is_english(language) else _decided_zh(said)


def _teach_values(refusal: TeachRefusal, language: str | None) -> dict[str, str | int]:
    values = refusal.values()
    zh, en = _DECIDED.get(str(values["detail"]), ("处理", "decided"))
    values["status"] = pick(language, zh, en)
    if not is_english(language):  # a taken question: where it is from, how it was decided
        where = str(values["where"])
        values["where"] = f"留一法 {where[4:]}" if where.startswith("loo:") else where
        values["before"] = _decided_zh(str(values["before"]))
        values["after"] = _decided_zh(str(values["after"]))
    return values


def teach_refusal_reason(refusal: TeachRefusal, language: str | None = None) -> str:
    """Why: the reason alone, with no surface's terms (in English: the sentence logs keep)."""
    zh, en = TEACH_REFUSALS[refusal.kind]
    return pick(language, zh, en).format(**_teach_values(refusal, language))


def teach_refusal_fixes(
    refusals: Sequence[TeachRefusal], surface: TeachSurface, language: str | None = None
) -> list[str]:
    """What to do about them on `surface`, each fix once (none for a refusal nothing fixes)."""
    fixes: list[str] = []
    for refusal in refusals:
        pair = TEACH_REFUSAL_FIXES.get((refusal.kind, surface))
        if pair is not None:
            fixes.append(pick(language, *pair).format(**_teach_values(refusal, language)))
    return list(dict.fromkeys(fixes))


def teach_refused_text(
    refusals: Sequence[TeachRefusal], surface: TeachSurface, language: str | None = None
) -> str:
    """The reasons, then what to do about them on `surface`, as one paragraph."""
    reasons = [teach_refusal_reason(r, language) for r in refusals]
    fixes = teach_refusal_fixes(refusals, surface, language)
    if is_english(language):
        return "; ".join(reasons) + "".join(f". {fix[0].upper()}{fix[1:]}" for fix in fixes)
    return "；".join(reasons) + "".join(f"。{fix}" for fix in fixes)
