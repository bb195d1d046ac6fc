"""`sixty ab FILE.json`: honest A/B decisions (DESIGN.md 7; method in `skills/ab_test.py`).

Input: `{"tests": [{"arms": [{"name", "sent", "events"}], "min_detectable_lift"?: 0.5}]}`.
Output on stdout: `{"results": [{"decision": "winner"|"keep_testing"|"no_difference", "winner",
"p_value", "needed_per_arm", "test", "alpha", "rates", "difference_pp", "ci_95_pp",
"sends_short", "message", ...}]}`, one result per test, in order. `FILE` may be `-` for stdin.
Bad input (unreadable, not JSON, a missing or bad field): one line on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import json

from cli.common import read_json_file


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ab",
        help="decide A/B tests only at their planned sample size (JSON in, JSON out)",
        description="Decide A/B tests. FILE.json holds {tests: [{arms: [{name, sent, events}], "
        "min_detectable_lift?}]}; see cli/samples/ab.json.",
    )
    p.add_argument("file", metavar="FILE.json", help="input as JSON ('-' for stdin)")
    p.add_argument("--indent", type=int, default=None, help="pretty-print with this indent")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cli.main import UsageError
    from skills.ab_test import decide_all, parse_ab_input

    data = read_json_file(args.file)
    try:
        tests = parse_ab_input(data)
    except ValueError as exc:
        raise UsageError(f"{args.file}: {exc}") from None
    print(json.dumps(decide_all(tests), indent=args.indent, ensure_ascii=False))
    return 0
