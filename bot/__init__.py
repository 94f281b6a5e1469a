"""Yuzhong service assistant: answers residents and enterprises, files tickets for staff.

Layers, from the bottom (each imports only the ones before it; `tests/test_layers.py` checks):
- foundation modules: `config` (settings), `paths`, `yamlio`, `privacy`, `logs`, `messages`
  (the plain data between a transport and the engine);
- `kb`: the knowledge (entries, lexicon, intents) and loading it;
- `words`: everything the assistant says, in Chinese and English;
- `matching`: text → decision, pure;
- `store`: the storage interface and its two implementations (SQLite, PostgreSQL);
- `helpdesk`: the ticket workflow staff work by;
- `learning`: staff answers become reviewed knowledge (proposals, checks, review, YAML writes);
- `dialogue`: one message in → the replies out, for residents and staff;
- `console`: the staff web console (a site on the helpdesk, the learning loop and the store);
- `transport`: Telegram (the only package importing `telegram`; serves the console beside it);
- `cli`: the commands (`python -m bot …`), leaves.
"""
