"""同人同事: when two requests are likely the same matter, as rules without a database.

Two requests are proposed as duplicates when
- the same phone raised a similar matter: the reporter's phone is the same (digits
  only) and the contents, normalized (punctuation, spaces and case dropped), are at
  least `threshold` similar (difflib's ratio, 0.8 by default); or
- the same place and the same category within `days` days: the same community, the
  same address (normalized, not empty), the same category, received at most `days`
  days apart (7 by default).
A proposal is only a proposal: a person confirms it (merge) or dismisses it.
"""

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

DEFAULT_DAYS = 7
DEFAULT_THRESHOLD = 0.8
_DROP = re.compile(r"[\W_]+", re.UNICODE)


def normalize(text):
    """Text compared for sameness: full-width folded, lower case, no punctuation or spaces."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text or "").lower())


def phone_key(phone):
    return "".join(ch for ch in (phone or "") if ch.isdigit())


def similarity(a, b):
    a, b = normalize(a), normalize(b)
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass(frozen=True)
class Item:
    """What the comparison needs of one request."""

    id: int
    content: str
    received_at: object  # a datetime
    phone: str = ""
    community: int | None = None
    address: str = ""
    category: int | None = None


def reason(a, b, *, days=DEFAULT_DAYS, threshold=DEFAULT_THRESHOLD):
    """Why `a` and `b` look like the same matter (a Chinese phrase), or None."""
    if a.id == b.id:
        return None
    phone = phone_key(a.phone)
    if phone and phone == phone_key(b.phone):
        ratio = similarity(a.content, b.content)
        if ratio >= threshold:
            return f"同一联系电话，诉求内容相似（相似度{round(ratio * 100)}%）"
    address = normalize(a.address)
    if (
        address
        and address == normalize(b.address)
        and a.community is not None
        and a.community == b.community
        and a.category is not None
        and a.category == b.category
        and abs(a.received_at - b.received_at).total_seconds() <= days * 86400
    ):
        return f"同一地点、同一类别，{days}天内"
    return None
