"""skills.email_compose: MIME shape, signature, reply subjects, threading headers, edge cases.

Round trips read the bytes back with the stdlib's compat32 parser and `decode_header`, which
is what a receiving client does (the newer `policy.default` parser inserts a space between
adjacent RFC 2047 words split over folded lines, a CPython reader quirk, not a wire problem).
"""

from __future__ import annotations

import base64
import email
from datetime import UTC, datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills.email_compose import (
    MAX_REFERENCES,
    Attachment,
    ComposeError,
    Mailbox,
    OutgoingEmail,
    Signature,
    ThreadRef,
    base64url_raw,
    compose,
    html_to_text,
    make_msgid,
    reply_subject,
)

WHEN = datetime(2026, 3, 10, 15, 4, 5, tzinfo=timezone(timedelta(hours=-5)))


def draft(**kw: object) -> OutgoingEmail:
    base: dict[str, object] = {
        "sender": Mailbox("ana@acme.com", "Ana Rep"),
        "to": (Mailbox("dana@prospect.com", "Dana Smith"),),
        "subject": "Pricing",
        "body_text": "Hi Dana,\n\nThe numbers are attached.\nBest",
        "message_id": "<abc123@acme.com>",
        "date": WHEN,
    }
    base.update(kw)
    return OutgoingEmail(**base)  # type: ignore[arg-type]


def parse(raw: bytes) -> email.message.Message:
    return email.message_from_bytes(raw, policy=compat32)


def decoded(msg: email.message.Message, name: str) -> str:
    return str(make_header(decode_header(msg[name])))


def parts(msg: email.message.Message) -> dict[str, str]:
    return {
        p.get_content_type(): p.get_payload(decode=True).decode("utf-8").replace("\r\n", "\n")
        for p in msg.walk()
        if not p.is_multipart()
    }


def test_plain_and_html_alternatives_with_headers() -> None:
    out = compose(draft(cc=(Mailbox("cfo@prospect.com"),)))
    msg = parse(out.raw)
    assert msg.get_content_type() == "multipart/alternative"
    body = parts(msg)
    assert set(body) == {"text/plain", "text/html"}
    assert "The numbers are attached." in body["text/plain"]
    assert "<p>Hi Dana,</p>" in body["text/html"]
    assert msg["Message-ID"] == "<abc123@acme.com>" == out.message_id
    assert parsedate_to_datetime(msg["Date"]) == WHEN
    assert getaddresses([msg["Cc"]]) == [("", "cfo@prospect.com")]
    assert msg["In-Reply-To"] is None and msg["References"] is None
    assert b"\r\n" in out.raw and b"\n" not in out.raw.replace(b"\r\n", b"")
    assert msg.get_all("MIME-Version") == ["1.0"]


def test_same_draft_gives_same_bytes() -> None:
    assert compose(draft()).raw == compose(draft()).raw
    assert compose(draft()).raw != compose(draft(message_id="<other@acme.com>")).raw


def test_gmail_signature_html_goes_to_html_and_as_text_to_plain() -> None:
    sig = Signature(html='<div>Ana Rep<br>AE, <a href="https://acme.com">Acme</a></div>')
    body = parts(parse(compose(draft(signature=sig)).raw))
    assert body["text/plain"].endswith("\n-- \nAna Rep\nAE, Acme <https://acme.com>\n")
    assert '<div class="gmail_signature"><div>Ana Rep<br>' in body["text/html"]


def test_plain_signature_is_escaped_into_html() -> None:
    body = parts(parse(compose(draft(signature=Signature(text="Ana <AE>\nAcme"))).raw))
    assert "-- \nAna <AE>\nAcme" in body["text/plain"]
    assert "Ana &lt;AE&gt;<br>" in body["text/html"]


def test_reply_threading_headers() -> None:
    parent = ThreadRef("<p2@x.com>", ("<root@x.com> <p1@x.com>",), "RE: Re: Pricing")
    out = compose(draft(subject="Re: Re: Pricing", reply_to=parent))
    msg = parse(out.raw)
    assert msg["In-Reply-To"] == "<p2@x.com>"
    assert msg["References"].split() == ["<root@x.com>", "<p1@x.com>", "<p2@x.com>"]
    assert msg["Subject"] == "Re: Pricing" == out.headers["Subject"]


@pytest.mark.parametrize(
    ("given_subject", "expected"),
    [
        ("Pricing", "Re: Pricing"),
        ("Re: Pricing", "Re: Pricing"),
        ("RE: re:Re : Pricing", "Re: Pricing"),
        ("AW: Re[2]: Pricing", "Re: Pricing"),
        ("Reply needed", "Re: Reply needed"),
        ("", "Re:"),
    ],
)
def test_reply_subject(given_subject: str, expected: str) -> None:
    assert reply_subject(given_subject) == expected


def test_bad_input_is_refused_by_field() -> None:
    with pytest.raises(ComposeError, match="to:"):
        compose(draft(to=()))
    with pytest.raises(ComposeError, match="to:"):
        compose(draft(to=(Mailbox("not-an-address"),)))
    with pytest.raises(ComposeError, match="date"):
        compose(draft(date=datetime(2026, 1, 1)))
    with pytest.raises(ComposeError, match="message_id"):
        compose(draft(message_id="no-brackets@acme.com"))


def test_make_msgid_is_unique_and_bracketed() -> None:
    ids = {make_msgid("acme.com") for _ in range(50)}
    assert len(ids) == 50
    assert all(i.startswith("<") and i.endswith("@acme.com>") for i in ids)


def test_base64url_raw_round_trips() -> None:
    out = compose(draft())
    encoded = base64url_raw(out)
    assert "+" not in encoded and "/" not in encoded
    assert base64.urlsafe_b64decode(encoded) == out.raw


def test_html_to_text_drops_style_and_keeps_lines() -> None:
    assert html_to_text("<style>p{}</style><p>A&amp;B</p><p>C</p>") == "A&B\n\nC"


# --------------------------------------------------------------------------- properties

names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=60)
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
locals_ = st.text(_ALNUM + "._+-", min_size=1, max_size=20).map(lambda s: "a" + s)
domains = st.builds("{}.{}".format, st.text(_ALNUM, min_size=1, max_size=12),
                    st.sampled_from(["com", "io", "co.uk"]))  # fmt: skip
mailboxes = st.builds(Mailbox, email=st.builds("{}@{}".format, locals_, domains), name=names)
msgids = st.builds("<{}@{}>".format, st.text(_ALNUM + "ABC.$-", min_size=1, max_size=30), domains)


def decoded_addresses(msg: email.message.Message, name: str) -> list[tuple[str, str]]:
    """Split the header into mailboxes first, then decode each display name (as clients do)."""
    unfolded = " ".join(msg[name].split())
    return [(str(make_header(decode_header(n))), a) for n, a in getaddresses([unfolded])]


@settings(max_examples=40, deadline=None)
@given(to=st.lists(mailboxes, min_size=1, max_size=4), subject=st.text(max_size=300))
def test_names_and_subjects_survive_the_wire(to: list[Mailbox], subject: str) -> None:
    msg = parse(compose(draft(to=tuple(to), subject=subject)).raw)
    got = decoded_addresses(msg, "To")
    assert [a for _, a in got] == [m.email for m in to]
    assert [" ".join(n.split()) for n, _ in got] == [" ".join(m.name.split()) for m in to]
    assert " ".join(decoded(msg, "Subject").split()) == " ".join(subject.split())
    raw_lines = compose(draft(to=tuple(to), subject=subject)).raw.split(b"\r\n")
    assert max(len(line) for line in raw_lines) <= 998


@settings(max_examples=25, deadline=None)
@given(refs=st.lists(msgids, max_size=80), parent=msgids)
def test_references_end_with_parent_and_stay_bounded(refs: list[str], parent: str) -> None:
    out = compose(draft(reply_to=ThreadRef(parent, tuple(refs), "x")))
    msg = parse(out.raw)
    got = msg["References"].split()
    assert got[-1] == parent == msg["In-Reply-To"]
    assert len(got) == len(set(got)) <= MAX_REFERENCES
    expected = [r for r in dict.fromkeys(refs) if r != parent] + [parent]
    assert got[0] == expected[0]
    assert set(got) <= set(expected)
    if len(expected) <= MAX_REFERENCES:
        assert got == expected


def test_date_is_kept_in_its_offset() -> None:
    msg = parse(compose(draft(date=WHEN.astimezone(UTC))).raw)
    assert parsedate_to_datetime(msg["Date"]) == WHEN


def test_an_attachment_makes_multipart_mixed_with_the_file_after_the_bodies() -> None:
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 8
    d = draft(attachments=(Attachment("Proposal.pdf", pdf),))
    out = compose(d)
    msg = parse(out.raw)
    assert msg.get_content_type() == "multipart/mixed" and msg["MIME-Version"] == "1.0"
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "application/pdf",
    ]  # fmt: skip
    part = list(msg.walk())[-1]
    assert part["Content-Disposition"] == 'attachment; filename="Proposal.pdf"'
    assert part.get_payload(decode=True) == pdf and part["MIME-Version"] is None
    assert compose(d).raw == out.raw  # still deterministic
    assert out.attachments == (Attachment("Proposal.pdf", pdf),)
    assert compose(draft()).raw.count(b"multipart/mixed") == 0  # no file: the same shape as before


def test_attachment_names_are_checked_and_unicode_ones_encoded() -> None:
    with pytest.raises(ComposeError, match="attachments"):
        compose(draft(attachments=(Attachment("../x.pdf", b"x"),)))
    with pytest.raises(ComposeError, match="attachments"):
        compose(draft(attachments=(Attachment("x.txt", b"x", "text/plain"),)))
    msg = parse(compose(draft(attachments=(Attachment("Angebot für Acme.pdf", b"%PDF"),))).raw)
    assert list(msg.walk())[-1].get_filename() == "Angebot für Acme.pdf"
