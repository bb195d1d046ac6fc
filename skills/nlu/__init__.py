"""The offline language engine: patterns as reviewed data, their loaders, and the learned scorers.

`skills/nlu/patterns/*.yaml` hold the regular expressions of the intent detector and the email
classifier as data a reviewer can read entry by entry (each with examples that must and must not
match); the loaders validate and compile them once at import. `skills/nlu/weights/*.json` are
the scorers `make train-nlu` fits; `skills.nlu.scorer` evaluates them in plain Python.
"""
