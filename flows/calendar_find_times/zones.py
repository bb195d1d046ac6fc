"""A prospect's time zone from what we know: a zone name, or a place or abbreviation in text.

`zone_from_text` reads a company's location or an email signature ("Chicago, US", "9-5 PT");
`zone_or_none` resolves a name without raising.
"""

from __future__ import annotations

import re
from datetime import tzinfo

from skills.timezones import UnknownTimezoneError, resolve_timezone

# City, region and abbreviation hints for a prospect's zone (company location, signature).
ZONE_HINTS: tuple[tuple[str, str], ...] = (
    ("new york", "America/New_York"), ("boston", "America/New_York"),
    ("atlanta", "America/New_York"), ("miami", "America/New_York"),
    ("toronto", "America/Toronto"), ("chicago", "America/Chicago"),
    ("austin", "America/Chicago"), ("dallas", "America/Chicago"),
    ("houston", "America/Chicago"), ("minneapolis", "America/Chicago"),
    ("denver", "America/Denver"), ("phoenix", "America/Phoenix"),
    ("san francisco", "America/Los_Angeles"), ("los angeles", "America/Los_Angeles"),
    ("seattle", "America/Los_Angeles"), ("portland", "America/Los_Angeles"),
    ("san diego", "America/Los_Angeles"), ("vancouver", "America/Vancouver"),
    ("london", "Europe/London"), ("manchester", "Europe/London"),
    ("dublin", "Europe/Dublin"), ("paris", "Europe/Paris"), ("berlin", "Europe/Berlin"),
    ("munich", "Europe/Berlin"), ("amsterdam", "Europe/Amsterdam"),
    ("madrid", "Europe/Madrid"), ("stockholm", "Europe/Stockholm"),
    ("zurich", "Europe/Zurich"), ("singapore", "Asia/Singapore"), ("tokyo", "Asia/Tokyo"),
    ("bangalore", "Asia/Kolkata"), ("bengaluru", "Asia/Kolkata"), ("mumbai", "Asia/Kolkata"),
    ("sydney", "Australia/Sydney"), ("melbourne", "Australia/Melbourne"),
    ("sao paulo", "America/Sao_Paulo"), ("são paulo", "America/Sao_Paulo"),
)  # fmt: skip
ABBREVIATIONS = {
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
    "cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago",
    "mst": "America/Denver", "mdt": "America/Denver", "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles", "bst": "Europe/London",
    "cet": "Europe/Berlin", "cest": "Europe/Berlin", "ist": "Asia/Kolkata",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney",
}  # fmt: skip
_ABBR = re.compile(r"\b(" + "|".join(ABBREVIATIONS) + r")\b", re.I)


def zone_from_text(text: str | None) -> str | None:
    """A zone named by a place or an abbreviation in `text` ("Chicago, US", "9-5 PT")."""
    if not text:
        return None
    low = text.lower()
    for place, zone in ZONE_HINTS:
        if place in low:
            return zone
    m = _ABBR.search(text)
    return ABBREVIATIONS[m.group(1).lower()] if m else None


def zone_or_none(name: str | None) -> tzinfo | None:
    """The zone `name` resolves to, or None when it names no zone."""
    if not name:
        return None
    try:
        return resolve_timezone(name)
    except UnknownTimezoneError:
        return None
