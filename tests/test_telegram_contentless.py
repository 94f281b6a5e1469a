"""Content-less messages: whatever a resident sends that is neither text nor a photo gets the
same polite request for text in the resident's language, over the real Application; none is
silently ignored and none files a ticket."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.words import unsupported_text
from tests.factories import make_message
from tests.fake_bot_api import FakeBotApi
from tests.telegram_harness import running_service, service_settings

# Every test here runs its service on SQLite and on PostgreSQL (conftest: service_backend).
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("service_backend")]

LOCATION = {"latitude": 29.557, "longitude": 106.577}
FILE = {"file_id": "f1", "file_unique_id": "fu1"}
CONTENTLESS: dict[str, dict[str, Any]] = {
    "dice": {"dice": {"emoji": "🎲", "value": 4}},
    "poll": {
        "poll": {
            "id": "p1",
            "question": "去哪吃火锅？",
            "options": [
                {"text": "解放碑", "voter_count": 0, "persistent_id": "o1"},
                {"text": "洪崖洞", "voter_count": 0, "persistent_id": "o2"},
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,  # fields Bot API 9.6 and 10.0 send with every poll
            "members_only": False,
        }
    },
    "contact": {"contact": {"phone_number": "+8613812345678", "first_name": "张"}},
    "location": {"location": LOCATION},
    "venue": {
        "location": LOCATION,
        "venue": {"location": LOCATION, "title": "解放碑", "address": "渝中区"},
    },
    "document": {"document": {**FILE, "file_name": "证明.pdf"}},
    "document with a caption": {"document": FILE, "caption": "请看附件"},
    "sticker": {
        "sticker": {
            **FILE,
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    },
    "voice": {"voice": {**FILE, "duration": 3}},
    "audio": {"audio": {**FILE, "duration": 3}},
    "video": {"video": {**FILE, "width": 1, "height": 1, "duration": 1}},
    "video note": {"video_note": {**FILE, "length": 1, "duration": 1}},
    "animation": {
        "animation": {**FILE, "width": 1, "height": 1, "duration": 1},
        "document": FILE,
    },
    "game": {"game": {"title": "g", "description": "d", "photo": []}},
    "story": {"story": {"chat": {"id": 7, "type": "channel", "title": "c"}, "id": 1}},
}


@pytest.mark.parametrize(("language", "reply_language"), [("zh-hans", "zh"), ("en", "en")])
async def test_every_contentless_message_gets_the_same_request_for_text(
    api: FakeBotApi, tmp_path: Path, language: str, reply_language: str
) -> None:
    """Each kind, from a Chinese and an English client: exactly one reply, the request for
    text in that language; no ticket."""
    async with running_service(service_settings(api, tmp_path)) as rt:
        for user_id, fields in enumerate(CONTENTLESS.values(), start=6001):
            api.push({"message": make_message(user_id, language=language, **fields)})
        expected = unsupported_text(reply_language)
        users = range(6001, 6001 + len(CONTENTLESS))
        await api.wait_for(lambda: all(api.texts(u) for u in users), what="a reply to every kind")
        replies = {kind: api.texts(u) for kind, u in zip(CONTENTLESS, users, strict=True)}
        assert replies == {kind: [expected] for kind in CONTENTLESS}
        assert await rt.store.tickets() == []
