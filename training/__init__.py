"""Offline training of the language engine's scorers (`make train-nlu`).

Dev-only: needs scikit-learn (`pip install -e '.[train]'`). Writes `skills/nlu/weights/*.json`,
which the app reads with plain Python (`skills.nlu.scorer`).
"""
