"""`sixty slots FILE.json`: rank meeting options from calendars in a JSON file (DESIGN.md 7).

Input and output are documented in `skills/slot_json.py`; the work is `skills.slots`.
Output: `{"slots": [{start, end, score, rep_local, prospect_local, flags}], "has_more",
"explanation"?, "notes"?}` on stdout, best first. `FILE` may be `-` for stdin. Without `now`
in the file, the current time (`cli.main.main`'s clock) is used. Bad input: one line on
stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import json

from cli.common import read_json_file


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "slots",
        help="rank meeting times from rep and prospect calendars (JSON in, JSON out)",
        description="Find and rank meeting slots. FILE.json holds {now, duration_minutes, "
        "days, max_options, rep: {timezone, working_hours, buffer_minutes, busy}, "
        "prospect?: {timezone, busy?}}; see skills/slot_json.py for every field.",
    )
    p.add_argument("file", metavar="FILE.json", help="request as JSON ('-' for stdin)")
    p.add_argument("--indent", type=int, default=None, help="pretty-print with this indent")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cli.main import UsageError
    from skills.slot_json import SlotInputError, request_from_json, result_to_json
    from skills.slots import find_slots

    data = read_json_file(args.file)
    try:
        request = request_from_json(data, default_now=args.clock())
    except SlotInputError as exc:
        raise UsageError(str(exc)) from None
    result = find_slots(request)
    print(json.dumps(result_to_json(result), indent=args.indent, ensure_ascii=False))
    return 0
