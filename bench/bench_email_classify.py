"""Benchmark: offline email parse + classify throughput (`email_classify`, `emails_per_s`).

Builds ~5,000 messages from the dev emails (varied subjects, quoted threads, signatures,
HTML bodies) and times `parse_email` + `classify_email` over all of them. Also reports the
dev-set `accuracy` and `macro_f1` (see `bench.eval_emails` for the per-category table).
"""

from __future__ import annotations

import sys
import time

from bench.common import emit
from bench.eval_emails import dev_dir, evaluate
from skills.email_classify import classify_email
from skills.email_parse import parse_email

TARGET = 5000

_FALLBACK = (
    b"From: A <a@x.example>\nTo: B <b@y.example>\nSubject: Re: hello\n"
    b"Date: Wed, 18 Nov 2026 09:00:00 +0000\n\nCan we find 30 minutes next week?\n"
)


def _variants(raw: bytes, i: int) -> bytes:
    head, _, body = raw.partition(b"\n\n")
    head = head.replace(b"Subject: ", f"Subject: [{i}] ".encode(), 1)
    kind = i % 4
    if kind == 1:
        quoted = b"\n".join(b"> " + line for line in body.splitlines()[:20])
        body = (
            body
            + b"\n\nOn Tue, 17 Nov 2026 at 10:00, Alex Rivera <alex@sixty-demo.example> wrote:\n"
            + quoted
            + b"\n"
        )
    elif kind == 2:
        body = body + b"\n--\nJamie Doe\nDirector of Ops | +1 (555) 010-2233\nwww.example.com\n"
    elif kind == 3:
        text = body.decode("utf-8", "replace").replace("=\n", "")
        html = "<html><body><p>" + text.replace("\n\n", "</p><p>") + "</p></body></html>"
        head = head.replace(
            b'Content-Type: text/plain; charset="utf-8"', b"Content-Type: text/html"
        )
        head = head.replace(b"Content-Transfer-Encoding: quoted-printable", b"")
        body = html.encode("utf-8")
    return head + b"\n\n" + body


def main() -> int:
    directory = dev_dir()
    sources = [p.read_bytes() for p in sorted(directory.glob("*.eml"))] or [_FALLBACK]
    messages = [_variants(sources[i % len(sources)], i) for i in range(TARGET)]
    for raw in messages[:50]:  # warm up regex caches
        classify_email(parse_email(raw))
    # CPU time of this process: the cost of the work itself, not of other processes on a busy
    # machine; the wall-clock figure is reported alongside
    started, wall_started = time.process_time(), time.perf_counter()
    for raw in messages:
        classify_email(parse_email(raw))
    elapsed = time.process_time() - started
    wall = time.perf_counter() - wall_started
    emit(
        "email_classify",
        "emails_per_s",
        len(messages) / elapsed,
        "emails/s",
        n=len(messages),
        clock="process_cpu",
        wall_emails_per_s=round(len(messages) / wall, 1),
    )
    if (directory / "labels.json").is_file():
        result = evaluate(directory)
        emit("email_classify", "accuracy", result.accuracy, "share", n=result.n, set="emails_dev")
        emit("email_classify", "macro_f1", result.macro_f1, "f1", n=result.n, set="emails_dev")
    return 0


if __name__ == "__main__":
    sys.exit(main())
