"""The sequences, one folder per flow (its `sequence.py`, its steps, its crons), listed in
`flows/registry.py`; `flows/planner.py` wires the per-rep and per-meeting crons of the brief flows.
The engine that runs them is `orchestrator/`."""
