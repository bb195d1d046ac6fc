"""Parsing inbound email: headers, bodies, replies, signatures, auto-replies, junk."""

from __future__ import annotations

import base64
from datetime import UTC, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from skills.email_body import split_body
from skills.email_html import html_to_text
from skills.email_parse import parse_email

HEADERS = (
    "From: =?utf-8?q?Ren=C3=A9e_Dubois?= <renee@prospect.example>\r\n"
    "To: Alex Rivera <alex@sixty-demo.example>, ops@sixty-demo.example\r\n"
    'Cc: "Lee, Sam" <sam.lee@prospect.example>\r\n'
    "Reply-To: replies@prospect.example\r\n"
    "Subject: =?utf-8?b?UmU6IENhZsOpIGNoYXQ=?=\r\n"
    "Date: Thu, 19 Nov 2026 15:30:00 -0500\r\n"
    "Message-ID: <abc.123@prospect.example>\r\n"
    "In-Reply-To: <orig-1@sixty-demo.example>\r\n"
    "References: <orig-0@sixty-demo.example>\r\n <orig-1@sixty-demo.example>\r\n"
)


def test_headers_are_decoded_and_typed() -> None:
    raw = HEADERS + "Content-Type: text/plain; charset=utf-8\r\n\r\nHello there.\r\n"
    email = parse_email(raw.encode())
    assert email.sender is not None
    assert (email.sender.name, email.sender.address) == ("Renée Dubois", "renee@prospect.example")
    assert [a.address for a in email.to] == ["alex@sixty-demo.example", "ops@sixty-demo.example"]
    assert email.cc[0].name == "Lee, Sam"
    assert email.reply_to[0].address == "replies@prospect.example"
    assert email.subject == "Re: Café chat"
    assert email.date is not None and email.date.utcoffset() == timedelta(hours=-5)
    assert email.date.astimezone(UTC).hour == 20
    assert email.message_id == "<abc.123@prospect.example>"
    assert email.in_reply_to == "<orig-1@sixty-demo.example>"
    assert email.references == ("<orig-0@sixty-demo.example>", "<orig-1@sixty-demo.example>")
    assert email.new_text == "Hello there."
    assert email.looks_like_email and not email.is_auto_reply and not email.problems


def test_plain_preferred_over_html_and_attachments_skipped() -> None:
    attachment = base64.b64encode(b"not the body").decode()
    raw = (
        HEADERS + 'Content-Type: multipart/mixed; boundary="M"\n\n'
        '--M\nContent-Type: multipart/alternative; boundary="A"\n\n'
        "--A\nContent-Type: text/plain; charset=utf-8\n\nPlain words.\n"
        "--A\nContent-Type: text/html; charset=utf-8\n\n<p>HTML words</p>\n--A--\n"
        '--M\nContent-Type: text/plain; name="notes.txt"\nContent-Disposition: attachment; '
        'filename="notes.txt"\nContent-Transfer-Encoding: base64\n\n' + attachment + "\n--M--\n"
    )
    email = parse_email(raw.encode())
    assert email.text == "Plain words."
    assert not email.body_from_html


def test_html_only_body_becomes_text_with_quotes_marked() -> None:
    html = (
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
        "<div>Can we meet&nbsp;on <b>Tuesday</b>?<br>Thanks &amp; regards</div>"
        '<div class="gmail_quote">On Mon, Nov 16, 2026 at 9:00 AM Alex wrote:'
        "<blockquote><p>Would you like a demo?</p></blockquote></div></body></html>"
    )
    raw = HEADERS + "Content-Type: text/html; charset=utf-8\n\n" + html
    email = parse_email(raw.encode())
    assert email.body_from_html
    assert "Can we meet on Tuesday?" in email.new_text
    assert "alert" not in email.text and "color" not in email.text
    assert "Would you like a demo?" in email.quoted_text
    assert "demo" not in email.new_text
    assert "> Would you like a demo?" in html_to_text(html)


def test_bad_charsets_are_read_and_flagged() -> None:
    body = "Café crème – déjà vu".encode("cp1252")
    raw = HEADERS.encode() + b"Content-Type: text/plain; charset=us-ascii\n\n" + body
    email = parse_email(raw)
    assert email.text == "Café crème – déjà vu"
    assert any("charset" in p for p in email.problems)

    unknown = HEADERS.encode() + b"Content-Type: text/plain; charset=x-klingon\n\nhello \xc3\xa9"
    email = parse_email(unknown)
    assert email.text == "hello é"
    assert any("unknown charset" in p for p in email.problems)


def test_malformed_headers_and_dates_do_not_raise() -> None:
    raw = (
        b"From: not an address at all\n"
        b"To: <<<@@@>>>, bob@example.com\n"
        b"Subject: =?utf-8?q?broken=ZZ?= \xff\xfe\n"
        b"Date: sometime last tuesday-ish\n"
        b"Message-ID: no-brackets-id\n"
        b"\nBody here.\n"
    )
    email = parse_email(raw)
    assert email.sender is None
    assert [a.address for a in email.to] == ["bob@example.com"]
    assert email.date is None
    assert email.message_id == "no-brackets-id"
    assert email.new_text == "Body here."
    assert any("Date" in p for p in email.problems)
    assert any("From" in p for p in email.problems)


def test_naive_date_is_taken_as_utc_and_flagged() -> None:
    email = parse_email(b"From: a@b.example\nDate: Thu, 19 Nov 2026 15:30:00 -0000\n\nhi\n")
    assert email.date is not None and email.date.tzinfo is not None
    assert any("timezone" in p for p in email.problems)


def test_broken_base64_body_is_survived() -> None:
    raw = HEADERS + "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!not*base64\n"
    email = parse_email(raw.encode())
    assert email.looks_like_email
    assert isinstance(email.text, str)


def test_auto_reply_and_bulk_headers() -> None:
    base = "From: a@b.example\nSubject: x\n"
    assert parse_email(base + "Auto-Submitted: auto-replied\n\nx").is_auto_reply
    assert not parse_email(base + "Auto-Submitted: no\n\nx").is_auto_reply
    assert parse_email(base + "X-Autoreply: yes\n\nx").is_auto_reply
    assert parse_email(base + "Precedence: auto_reply\n\nx").is_auto_reply
    news = parse_email(base + "List-Unsubscribe: <mailto:u@b.example>\n\nx")
    assert news.has_list_unsubscribe and news.is_bulk and not news.is_auto_reply
    assert parse_email(base + "Precedence: bulk\n\nx").is_bulk


def test_junk_is_flagged_not_raised() -> None:
    assert not parse_email(b"").looks_like_email
    assert not parse_email(b"   \n\n").looks_like_email
    assert not parse_email(bytes(range(256)) * 4).looks_like_email
    assert not parse_email(b"just some words\nwith no headers\n").looks_like_email
    assert not parse_email(b'{"json": true}').looks_like_email
    assert parse_email("From: a@b.example\n\nhi").looks_like_email


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=600))
def test_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    email = parse_email(data)
    assert isinstance(email.new_text, str)


@settings(max_examples=80, deadline=None)
@given(st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=400))
def test_never_raises_on_arbitrary_text_after_headers(body: str) -> None:
    email = parse_email("From: a@b.example\nSubject: " + body[:40] + "\n\n" + body)
    assert email.looks_like_email
    assert len(email.new_text) <= len(email.text) + 1


# ---------------------------------------------------------------- reply and signature splitting


def test_on_wrote_wrapped_over_two_lines() -> None:
    parts = split_body(
        "Sounds good, Tuesday works.\n\nOn Wed, Nov 18, 2026 at 9:00 AM Alex Rivera <\n"
        "alex@sixty-demo.example> wrote:\n> Does Tuesday work?\n"
    )
    assert parts.new == "Sounds good, Tuesday works."
    assert "Does Tuesday work?" in parts.quoted


def test_outlook_header_block_and_original_message() -> None:
    outlook = split_body(
        "Please send the quote.\n\n________________________________\n"
        "From: Alex Rivera <alex@sixty-demo.example>\nSent: Tuesday, November 17, 2026 4:02 PM\n"
        "To: Dana\nSubject: Next steps\n\nAre you free Thursday?\n"
    )
    assert outlook.new == "Please send the quote."
    assert "free Thursday" in outlook.quoted
    original = split_body("Ok.\n\n-----Original Message-----\nFrom: x\nSent: y\n\nOld text")
    assert original.new == "Ok." and "Old text" in original.quoted
    bold = split_body("Yes.\n\n*From:* Alex\n*Sent:* Monday\n*Subject:* hi\n\nold")
    assert bold.new == "Yes."


def test_forwarded_block_and_inline_quotes() -> None:
    fwd = split_body(
        "See below, can you help?\n\n---------- Forwarded message ---------\nFrom: Someone\n\nOld"
    )
    assert fwd.new == "See below, can you help?" and "Old" in fwd.quoted
    inline = split_body("> your question\nmy answer\n> another question\nanother answer")
    assert inline.new == "my answer\nanother answer"
    assert "your question" in inline.quoted


def test_a_from_line_in_prose_is_not_a_quote_header() -> None:
    parts = split_body("From: the team at Acme, a big thank you.\nWe loved the demo.")
    assert "We loved the demo." in parts.new


def test_signatures_are_separated() -> None:
    dashes = split_body("Can we talk?\n\n-- \nJamie Doe\nVP Sales | +1 555 010 2233")
    assert dashes.new == "Can we talk?" and dashes.signature.startswith("--")
    closing = split_body("Send pricing please.\n\nBest regards,\nJamie Doe\nHead of Ops\nAcme Inc.")
    assert closing.new == "Send pricing please."
    assert "Head of Ops" in closing.signature
    name_block = split_body("Can you confirm?\n\nJamie Doe\nDirector, RevOps\nm: 617-555-0142")
    assert name_block.new == "Can you confirm?"
    mobile = split_body("Yes please.\n\nSent from my iPhone")
    assert mobile.new == "Yes please." and "iPhone" in mobile.signature
    legal = split_body(
        "Thanks.\n\nCONFIDENTIALITY NOTICE: This email is confidential. If you are not the "
        "intended recipient, please delete this email from your system."
    )
    assert legal.new == "Thanks." and "delete" in legal.signature


def test_prose_ending_is_not_mistaken_for_a_signature() -> None:
    parts = split_body("Hi Alex,\n\nWe decided to go another way.\n\nBest of luck with it.")
    assert "Best of luck with it." in parts.new
    parts = split_body("Can we meet?\n\nThursday or Friday afternoon works for me.")
    assert "Thursday or Friday" in parts.new


def test_questions_in_finds_each_ask() -> None:
    """Issue 11, 2.9: one sentence can ask two things; statements are not asks."""
    from skills.email_questions import questions_in

    text = (
        "Hi Alex,\n\nThanks for the overview. Before we go further, could you tell me whether "
        "you integrate with Salesforce, and how single sign-on works?\n\nWe liked the demo.\n"
        "Please confirm the pilot dates. Let me know if you offer training\n\nBest,\nDana"
    )
    assert questions_in(text) == (
        "Before we go further, could you tell me whether you integrate with Salesforce",
        "how single sign-on works?",
        "Please confirm the pilot dates",
        "Let me know if you offer training",
    )
    assert questions_in("Thanks, sounds good. See you Tuesday.") == ()
    assert questions_in("Pricing? Pricing?") == ("Pricing?",)
