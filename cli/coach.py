"""`sixty coach FILE.json`: coaching metrics, questions, objections and micro-feedback for one
call (DESIGN.md 7).

Input: a transcript in the `sixty intents` form; an utterance's `role` (rep or prospect) is
used when given, else roles are inferred by name and email as the product does. Output on
stdout: `{"metrics": {talk_ratio_rep, longest_monologue_s, longest_story_s, interactivity,
patience_s, call_s, wpm_rep, wpm_prospect, fillers_rep, filler_rate_rep, questions_rep, ...},
"questions": [{utterance, text, kind, discovery, topic}], "prospect_questions": [...],
"objections": [{utterance, type, text, ...}], "call_type": {type, scores, norms},
"feedback": [{kind, utterance, at, quote, text}], "role_confidence", "skipped"}`. When the
speaker mapping is unsure the role metrics are null and `skipped` says why. `FILE` may be
`-` for stdin. Bad input: one line on stderr, exit status 2. Same size bound as `sixty intents`.
"""

from __future__ import annotations

import argparse
import json

from cli.common import read_json_file
from cli.intents import MAX_TEXT_CHARS, MAX_UTTERANCES


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "coach",
        help="coaching metrics, questions, objections and feedback for a call (JSON in, JSON out)",
        description="Coach one call. FILE.json holds a transcript as for `sixty intents`; "
        "an utterance's role (rep or prospect) is inferred when absent.",
    )
    p.add_argument("file", metavar="FILE.json", help="transcript as JSON ('-' for stdin)")
    p.add_argument("--indent", type=int, default=None, help="pretty-print with this indent")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cli.main import UsageError
    from skills.coaching import coach_transcript
    from skills.transcript_types import parse_transcript

    data = read_json_file(args.file)
    try:
        transcript = parse_transcript(data)
    except ValueError as exc:
        raise UsageError(f"{args.file}: {exc}") from None
    chars = sum(len(u.text) for u in transcript.utterances)
    if len(transcript.utterances) > MAX_UTTERANCES or chars > MAX_TEXT_CHARS:
        raise UsageError(
            f"{args.file}: transcript too long ({len(transcript.utterances)} utterances, {chars} "
            f"characters); the limit is {MAX_UTTERANCES} utterances and {MAX_TEXT_CHARS} characters"
        )
    report = coach_transcript(transcript)
    print(json.dumps(report.to_json(), indent=args.indent, ensure_ascii=False))
    return 0
