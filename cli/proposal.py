"""`sixty proposal FILE.json`: draft a proposal from a call, the deal and the library
(DESIGN.md 7).

Input: `{transcript: <as for sixty intents>, deal: {name, stage, amount?, currency, type?,
discount?}, company: {name, industry}, contacts: [{name, email, title}], price_book: [{sku,
name, unit_price, currency, unit, tier?, features?, synonyms?}], templates: [{id, name, when,
sections?}], case_studies: [{id, title, industry, summary?, metrics?}]}`. Output on stdout:
`{template, title, sections: [{key, title, text, citations: [{utterance, quote}]}],
line_items: [{sku, name, quantity, unit_price, total}], total, currency, case_studies,
open_questions}`. `FILE` may be `-` for stdin. Bad input (unreadable, not JSON, a missing or
bad field, mixed currencies, no template holds): one line on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import json

from cli.common import read_json_file

MAX_UTTERANCES = 30_000


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "proposal",
        help="draft a cited proposal from a call, a deal and a price book (JSON in, JSON out)",
        description="Draft a proposal. FILE.json holds {transcript, deal, company, contacts, "
        "price_book, templates, case_studies}; see cli/samples/proposal.json.",
    )
    p.add_argument("file", metavar="FILE.json", help="input as JSON ('-' for stdin)")
    p.add_argument("--indent", type=int, default=None, help="pretty-print with this indent")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cli.main import UsageError
    from skills.proposals import draft_proposal, parse_proposal_input

    data = read_json_file(args.file)
    try:
        inp = parse_proposal_input(data)
        if len(inp.transcript.utterances) > MAX_UTTERANCES:
            raise ValueError(f"transcript too long (over {MAX_UTTERANCES} utterances)")
        draft = draft_proposal(inp.transcript, inp.deal, inp.company, inp.contacts, inp.library)
    except ValueError as exc:
        raise UsageError(f"{args.file}: {exc}") from None
    print(json.dumps(draft.to_json(), indent=args.indent, ensure_ascii=False))
    return 0
