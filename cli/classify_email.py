"""`sixty classify-email FILE.eml`: an RFC 5322 message in, `{"category", "confidence"}` out.

The contract of DESIGN.md section 7. Bad input (missing, empty, unreadable, binary or not an
email) is a one-line message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from skills.email_classify import classify_email
from skills.email_parse import parse_email

MAX_BYTES = 25 * 1024 * 1024


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "classify-email",
        help="classify an inbound email (.eml) into one of nine categories",
        description='Print {"category", "confidence"} for an RFC 5322 message.',
    )
    parser.add_argument("file", metavar="FILE.eml", help="the message, as an RFC 5322 file")
    parser.add_argument(
        "--details",
        action="store_true",
        help="also print the evidence phrase and the extracted details",
    )
    parser.set_defaults(handler=run)


def _read(path: str) -> bytes:
    from cli.main import UsageError

    p = Path(path)
    if not p.exists():
        raise UsageError(f"no such file: {path}")
    if not p.is_file():
        raise UsageError(f"not a file: {path}")
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise UsageError(f"{path} is too large for an email ({size} bytes)")
        return p.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    from cli.main import UsageError

    data = _read(args.file)
    if not data.strip():
        raise UsageError(f"{args.file} is empty")
    email = parse_email(data)
    if not email.looks_like_email:
        known = ("binary content", "unparseable message")  # e.g. MIME parts nested thousands deep
        reason = next((p for p in known if p in email.problems), "no email headers")
        raise UsageError(f"{args.file} is not an RFC 5322 email ({reason})")
    result = classify_email(email)
    out: dict[str, object] = {"category": result.category, "confidence": result.confidence}
    if args.details:
        out["evidence"] = result.evidence
        out["details"] = result.details
    print(json.dumps(out))
    return 0
