"""The knowledge: entries, categories and the lexicon (`model`), loading and checking the YAML
files (`loader`), and the conversational intents (`intents`).

Plain data and parsing only. Imports the foundation modules (`bot.yamlio`, `bot.paths`); never
the matcher, the store, the dialogue or a transport.
"""
