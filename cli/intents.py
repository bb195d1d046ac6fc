"""`sixty intents FILE.json`: detect sales intents in a meeting transcript (DESIGN.md 7).

Input: `{meeting_id, title, started_at, rep: {name, email}, attendees: [{name, email}],
utterances: [{speaker, start, end, text, role?}]}` (see `skills/transcript_types.py`).
Output on stdout: `{"intents": [{label, utterance, speaker, phrase, confidence, event?,
deadline?}]}`, sorted by utterance, only confidence >= 0.7, deterministic. `FILE` may be
`-` for stdin. Bad input: one line on stderr, exit status 2.

Size bound: at most `MAX_UTTERANCES` utterances and `MAX_TEXT_CHARS` characters of speech
(a three-hour call has about 4,000 utterances and 200,000 characters). Detection is linear in
both, a few seconds at the bound (0.25 ms an utterance, 7 microseconds a character at worst); a
larger transcript is refused as bad input (exit status 2) rather than left running for minutes.
"""

from __future__ import annotations

import argparse
import json

from cli.common import read_json_file

MAX_UTTERANCES = 30_000
MAX_TEXT_CHARS = 3_000_000


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "intents",
        help="detect commitments and buying signals in a transcript (JSON in, JSON out)",
        description="Detect intents in a meeting transcript. FILE.json holds {meeting_id, "
        "title, started_at, rep, attendees, utterances: [{speaker, start, end, text, role?}]}, "
        f"at most {MAX_UTTERANCES} utterances and {MAX_TEXT_CHARS} characters of speech.",
    )
    p.add_argument("file", metavar="FILE.json", help="transcript as JSON ('-' for stdin)")
    p.add_argument("--indent", type=int, default=None, help="pretty-print with this indent")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cli.main import UsageError
    from skills.intents import detect_intents
    from skills.transcript_types import parse_transcript

    data = read_json_file(args.file)
    if isinstance(data, dict) and "transcript" in data and "utterances" not in data:
        data = data["transcript"]  # an eval row: {"transcript": ..., "gold": ...}
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
    intents = detect_intents(transcript)
    out = {"intents": [it.to_json() for it in intents]}
    print(json.dumps(out, indent=args.indent, ensure_ascii=False))
    return 0
