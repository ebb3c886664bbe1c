"""Numbers as the office writes them.

- A rate is a percentage rounded half up to one decimal (50.0, 7.1); None when the
  base is 0, because "0 of 0 lagging" has no rate. The requests' rates keep two
  decimals (90.16), as the 12345 figures are written.
- Printed, a percentage drops a trailing .0: 50%, 7.1%, 0%.
"""

from decimal import ROUND_HALF_UP, Decimal

TENTH = Decimal("0.1")


def rate(part, whole, places=1):
    """part / whole x 100, `places` decimals (one by default), half up; None when whole is 0."""
    if not whole:
        return None
    step = Decimal(1).scaleb(-places)
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(step, rounding=ROUND_HALF_UP)
    return float(value)


def pct(value, empty="—", places=1):
    """50.0 → "50%", 7.1 → "7.1%", None → `empty`; with places=2, 90.16 → "90.16%"
    and 90.10 → "90.1%" (trailing zeros dropped)."""
    if value is None:
        return empty
    step = Decimal(1).scaleb(-places)
    value = Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP)
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def month_span(first, last):
    """(1, 7) → "1-7月", (7, 7) → "7月"."""
    return f"{first}月" if first == last else f"{first}-{last}月"
