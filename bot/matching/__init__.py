"""Text in, decision out: normalising a message, reading its clauses, details and what it asks
(`asks`), retrieving entries (BM25 over characters, bigrams and pinyin) and deciding answer /
clarify / ticket (`matcher.Matcher`). Also the knowledge checks that need this reading (`checks`).

Pure and synchronous: no database, no network, no words shown to people. Imports `bot.kb` and
the foundation modules only.
"""
