"""The proposal page (HTML) and its PDF: every section marked for the tracker, money printed
from Decimals, draft text escaped, the brand colour validated, A4 pages numbered in the footer,
and nothing ever fetched while rendering."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import zlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from weasyprint import HTML

from services.money_format import format_money
from services.proposal_pdf import RefuseAllFetcher, URLRefused, page_count, render_pdf
from services.proposal_render import DEFAULT_BRAND_COLOUR, render_html, valid_colour
from skills.proposal_types import CaseStudy, Citation, LineItem, ProposalDraft, Section

SENT = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)
GLOBEX = CaseStudy("globex", "Globex cut ramp time", "SaaS", "Reps ramped faster.", ("31% faster",))


def draft(sections: tuple[Section, ...] | None = None, **kw: Any) -> ProposalDraft:
    return ProposalDraft(
        template="standard",
        title=kw.pop("title", "Acme: Sixty for the sales team"),
        sections=sections
        or (
            Section(
                "summary",
                "Summary",
                "You want the team live before Q1.",
                (Citation(4, "we have to be live before the end of Q1"),),
            ),
            Section("requirements", "What you need", "SSO and a Salesforce sync."),
            Section("pricing", "Pricing", "Annual, billed up front."),
            Section("case_study", "Teams like yours", "Globex rolled out in two weeks."),
            Section("next_steps", "Next steps", "Security review, then signature."),
        ),
        line_items=kw.pop(
            "line_items",
            (
                LineItem("PRO", "Pro plan", 40, Decimal("310")),
                LineItem("SSO", "Single sign-on", 1, Decimal("2400"), "year", Decimal("0.1")),
            ),
        ),
        currency=kw.pop("currency", "USD"),
        case_studies=("globex",),
        open_questions=kw.pop("open_questions", ("Who signs the order form?",)),
    )


def page(d: ProposalDraft | None = None, **kw: Any) -> str:
    args: dict[str, Any] = {
        "org_name": "Sixty Demo Inc",
        "brand_colour": "#0A7cff",
        "company_name": "Acme Corp",
        "contact_name": "Sarah Chen",
        "case_studies": [GLOBEX],
        "version": 3,
        "sent_at": SENT,
    }
    args.update(kw)
    return render_html(d or draft(), **args)


def sections_in(html: str) -> list[str]:
    return re.findall(r'<section data-section="([^"]*)">', html)


def pdf_pages(pdf: bytes) -> int:
    """Page objects in the PDF, inside its compressed object streams too (no PDF library)."""
    parts = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue  # not a Flate stream (an image, a font)
    return sum(len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", p)) for p in parts)


def texts(box: Any) -> list[str]:
    out = [box.text] if hasattr(box, "text") else []
    for child in getattr(box, "children", ()):
        out += texts(child)
    return out


# --- HTML -------------------------------------------------------------------------------------


def test_every_section_is_marked_in_order() -> None:
    html = page()
    assert sections_in(html) == [
        "summary",
        "requirements",
        "pricing",
        "case_study",
        "next_steps",
        "open_questions",
    ]
    assert "Acme: Sixty for the sales team" in html
    assert "Prepared for Sarah Chen, Acme Corp" in html
    assert "Version 3 · 7 December 2026" in html


def test_line_items_and_total_are_formatted_from_decimals() -> None:
    html = page()
    pricing = html.split('data-section="pricing"')[1].split("</section>")[0]
    for cell in ("Pro plan", ">40<", "$310.00", "$12,400.00", "Single sign-on", "$2,400.00"):
        assert cell in pricing
    assert "10%" in pricing and "$2,160.00" in pricing  # 2400 less 10 %
    assert "Total (USD)" in pricing and "$14,560.00" in pricing
    assert "Quantity" in pricing and "Unit price" in pricing and "Line total" in pricing


def test_money_format_is_one_style() -> None:
    assert format_money(Decimal("12400"), "USD") == "$12,400.00"
    assert format_money(Decimal("1200"), "eur") == "€1,200.00"
    assert format_money(Decimal("0.005"), "GBP") == "£0.01"
    assert format_money(Decimal("1234567.891"), "CHF") == "CHF 1,234,567.89"
    with pytest.raises(TypeError):
        format_money(12.5, "USD")  # type: ignore[arg-type]


def test_no_pricing_section_gets_its_own_and_no_discount_column() -> None:
    d = draft(
        (Section("summary", "Summary", "Short."),),
        line_items=(LineItem("PRO", "Pro plan", 3, Decimal("100")),),
        currency="EUR",
        open_questions=(),
    )
    html = page(d, case_studies=[])
    assert sections_in(html) == ["summary", "pricing"]
    assert "Discount" not in html and "€300.00" in html and "Total (EUR)" in html


def test_case_studies_and_citations_are_shown() -> None:
    html = page()
    cs = html.split('data-section="case_study"')[1].split("</section>")[0]
    assert "Globex cut ramp time" in cs and "31% faster" in cs
    assert "“we have to be live before the end of Q1”" in html
    assert "said in the call" in html
    assert "<li>Who signs the order form?</li>" in html


def test_draft_text_is_escaped_never_interpreted() -> None:
    evil = '<script>alert("x")</script> <img src=http://tracker.example/p.png> {{ 7*7 }}'
    d = draft(
        (Section("summary", 'Sum"mary<b>', evil, (Citation(1, "</blockquote><script>"),)),),
        title="<script>t</script>",
        open_questions=("<i>q</i>",),
    )
    html = page(d, org_name="<Evil & Co>", company_name='"Acme"', contact_name="<b>S</b>")
    assert "<script" not in html and "<img" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=http://tracker.example/p.png&gt;" in html
    assert "{{ 7*7 }}" in html  # data, not a template
    assert "&lt;Evil &amp; Co&gt;" in html


def test_newlines_make_paragraphs_and_breaks() -> None:
    d = draft((Section("summary", "Summary", "One\ntwo\n\n\nThree"),))
    assert "<p>One<br>two</p>" in page(d) and "<p>Three</p>" in page(d)


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("#0A7cff", "#0a7cff"),
        ("#abc", DEFAULT_BRAND_COLOUR),
        ("red", DEFAULT_BRAND_COLOUR),
        ("#0a7cff; } body { display: none", DEFAULT_BRAND_COLOUR),
        ("", DEFAULT_BRAND_COLOUR),
    ],
)
def test_brand_colour_is_validated(given: str, used: str) -> None:
    assert valid_colour(given) == used
    html = page(brand_colour=given)
    assert f"--brand: {used};" in html
    assert "display: none" not in html


def test_the_page_is_self_contained() -> None:
    html = page()
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert "url(" not in html and "@import" not in html and "http" not in html
    assert "size: A4" in html and "counter(pages)" in html


def test_unsent_draft_says_so() -> None:
    assert "Version 1 · draft, not sent" in page(version=1, sent_at=None)


# --- PDF --------------------------------------------------------------------------------------


def test_pdf_is_a_pdf_with_the_footer() -> None:
    html = page()
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF")
    doc = HTML(string=html, url_fetcher=RefuseAllFetcher()).render()
    assert len(doc.pages) == pdf_pages(pdf) == 1
    margins = {
        c.at_keyword: texts(c)
        for c in doc.pages[0]._page_box.children
        if getattr(c, "at_keyword", None)
    }
    assert margins["@bottom-left"] == ["Sixty Demo Inc"]
    assert margins["@bottom-right"] == ["Page 1 of 1"]
    assert doc.pages[0].width == pytest.approx(210 / 25.4 * 96, abs=1)  # A4 in CSS px


def test_a_long_proposal_runs_to_many_numbered_pages() -> None:
    para = "The rollout plan covers onboarding, training and the security review. " * 12
    long = tuple(
        Section(f"part_{i}", f"Part {i}", "\n\n".join([para] * 4), (Citation(i, "a quote"),))
        for i in range(24)
    )
    html = page(draft(long))
    pdf = render_pdf(html)
    n = page_count(html)
    assert n >= 8
    assert pdf_pages(pdf) == n
    last = HTML(string=html, url_fetcher=RefuseAllFetcher()).render().pages[-1]
    assert f"Page {n} of {n}" in texts(last._page_box)


def test_the_fetcher_refuses_every_url() -> None:
    fetcher = RefuseAllFetcher()
    for url in ("http://example.com/a.png", "https://x/y.css", "file:///etc/passwd", "data:,x"):
        with pytest.raises(URLRefused):
            fetcher(url)
        with pytest.raises(URLRefused):
            fetcher.fetch(url)


def test_rendering_opens_no_connection(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    connects: list[Any] = []

    def no_connect(self: socket.socket, address: Any) -> None:
        connects.append(address)
        raise OSError("network used")

    monkeypatch.setattr(socket.socket, "connect", no_connect)
    # Draft text naming URLs stays text ...
    d = draft((Section("summary", "S", "<img src=http://127.0.0.1:9/p.png> see"),))
    assert render_pdf(page(d)).startswith(b"%PDF")
    # ... and even HTML that asks for resources gets none of them.
    hostile = (
        '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/s.css">'
        "<style>@import url(http://127.0.0.1:9/i.css); body { background: url(file:///etc/hostname) }"
        '</style></head><body><img src="http://127.0.0.1:9/p.png"><p>x</p></body></html>'
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        assert render_pdf(hostile).startswith(b"%PDF")
    assert connects == []
    refused = " ".join(r.getMessage() for r in caplog.records)
    assert "URLRefused" in refused and "127.0.0.1:9/p.png" in refused


async def test_safe_from_threads() -> None:
    htmls = [page(version=v) for v in range(1, 5)]
    pdfs = await asyncio.gather(*(asyncio.to_thread(render_pdf, h) for h in htmls))
    assert all(p.startswith(b"%PDF") for p in pdfs)


def test_weasyprint_understands_all_of_the_css(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render_pdf(page())
    assert [r.getMessage() for r in caplog.records] == []  # no ignored rule, no refused URL
