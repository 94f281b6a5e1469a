"""The Yuanjiagang cross-district (通办) flow: community → the matter → optional phone → ticket.

Per the source (the "袁来一家" report): either Yuanjiagang community accepts a resident's matter,
and the receiving community's staff take the materials to the service hall of the resident's own
community, which handles it.
"""

from __future__ import annotations

from bot import words
from bot.dialogue.filing import file_ticket, filed
from bot.dialogue.turn import ExpiredChoiceError, Services, Turn, say
from bot.messages import Choice, Outcome
from bot.privacy import mask_pii, normalise_phone

COMMUNITIES = {
    "yz": ("大坪街道 · 渝中区", "Daping subdistrict · Yuzhong"),
    "jlp": ("谢家湾街道 · 九龙坡区", "Xiejiawan subdistrict · Jiulongpo"),
}
TYPED = {
    "yz": ("1", "渝中", "大坪", "yuzhong", "daping"),
    "jlp": ("2", "九龙坡", "谢家湾", "jiulongpo", "xiejiawan"),
}
SKIP_WORDS = ("跳过", "不留", "不用", "skip", "no")


def community_choices(language: str) -> tuple[tuple[Choice, ...], ...]:
    index = 1 if words.is_english(language) else 0
    return tuple((Choice(names[index], f"tb:{key}"),) for key, names in COMMUNITIES.items())


def start(turn: Turn) -> Outcome:
    turn.enter("tongban", "community")
    text = words.pick(
        turn.language,
        "袁家岗社区跨区通办登记（共 3 步，随时发送 /cancel 退出）。\n"
        "第 1 步：您属于哪个袁家岗社区？",
        "Yuanjiagang cross-district request (3 steps; /cancel to leave at any time).\n"
        "Step 1: which Yuanjiagang community do you belong to?",
    )
    return say(text, *community_choices(turn.language), note="tongban_community")


def choose_community(turn: Turn, key: str) -> Outcome:
    if key not in COMMUNITIES:
        raise ExpiredChoiceError(key)
    turn.enter("tongban", "matter", community=key)
    text = words.pick(
        turn.language,
        "第 2 步：请用一两句话说明要办理的事项。",
        "Step 2: in a sentence or two, what do you need done?",
    )
    return say(text, note="tongban_matter")


async def on_text(svc: Services, turn: Turn, text: str) -> Outcome:
    """The next typed answer in the flow."""
    step = turn.state.step
    if step == "community":
        folded = text.strip().casefold()
        for key, typed_words in TYPED.items():
            if any(w in folded for w in typed_words):
                return choose_community(turn, key)
        again = words.pick(turn.language, "请点选您所属的社区：", "Please tap your community:")
        return say(again, *community_choices(turn.language), note="tongban_community")
    if step == "matter":
        if not text.strip():
            return choose_community(turn, turn.state.data["community"])
        turn.enter("tongban", "phone", community=turn.state.data["community"], matter=text.strip())
        return phone_prompt(turn, "")
    return await on_phone(svc, turn, text)


def phone_prompt(turn: Turn, problem: str) -> Outcome:
    text = problem + words.pick(
        turn.language,
        "第 3 步（可选）：留个联系电话方便工作人员联系您，或点“跳过”。电话只有工作人员能看到。",
        "Step 3 (optional): leave a phone number for our staff to call you, or tap “Skip”. "
        "Only staff can see it.",
    )
    skip = Choice(words.pick(turn.language, "跳过", "Skip"), "tb:skip")
    return say(text, (skip,), note="tongban_phone")


async def on_phone(svc: Services, turn: Turn, raw: str | None) -> Outcome:
    """A phone number, or None / a skip word for none; then file the ticket."""
    if turn.state.step != "phone":
        raise ExpiredChoiceError("not at the phone step")
    phone = None
    if raw is not None and raw.strip().casefold() not in SKIP_WORDS:
        phone = normalise_phone(raw)
        if phone is None:
            problem = words.pick(
                turn.language, "这个号码格式不对。", "That does not look like a phone number. "
            )
            return phone_prompt(turn, problem)
    community = turn.state.data["community"]
    matter = turn.state.data["matter"]
    turn.enter(None)
    filing = await file_ticket(
        svc, turn, "cross-district", routing_text(community, matter), phone=phone
    )
    own_zh, own_en = COMMUNITIES[community]

    def wording(number: int | None, language: str | None) -> str:
        text = words.pick(
            language,
            f"已登记跨区通办工单 #{number}。您可以就近到任意一个袁家岗社区"
            f"（渝中区大坪街道或九龙坡区谢家湾街道）提交材料，接件的工作人员会把材料送到您所属的袁家岗社区（{own_zh}）"
            "服务大厅办理；工作人员也会在这个对话里联系您，/mytickets 可以查看进度。",
            f"Cross-district ticket #{number} is filed. You can hand in your materials at either "
            "Yuanjiagang community office (Daping in Yuzhong or Xiejiawan in Jiulongpo); the staff "
            f"who receive them take them to the service hall of your own community ({own_en}), "
            "which handles the matter. Staff will also contact you here; "
            "/mytickets shows progress.",
        )
        if phone is not None:
            text += words.pick(
                language, f"\n联系电话：{mask_pii(phone)}", f"\nPhone: {mask_pii(phone)}"
            )
        return text

    return filed(filing, turn, wording)


def routing_text(community: str, matter: str) -> str:
    """The ticket text: the matter and how it is routed."""
    own = COMMUNITIES[community][0]
    other = COMMUNITIES["jlp" if community == "yz" else "yz"][0]
    return (
        f"跨区通办：{matter}\n"
        f"（袁家岗社区“袁来一家”通办）居民所属社区：袁家岗社区（{own}）\n"
        f"办理方式：居民可在任一袁家岗社区（{own} 或 {other}）提交材料；"
        f"接件社区的工作人员将材料送到居民所属社区（{own}）的服务大厅办理。"
    )
