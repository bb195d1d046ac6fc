"""The offline language engine's reviewed pattern data and its loaders.

`skills/nlu/patterns/*.yaml` hold the regular expressions of the intent detector as data a
reviewer can read entry by entry (each with examples that must and must not match);
`skills.nlu.intent_patterns` loads, validates and compiles them once at import.
"""
