"""Numbers as the office writes them.

- A rate is a percentage rounded half up to one decimal (50.0, 7.1); None when the
  base is 0, because "0 of 0 lagging" has no rate. The requests' rates keep two
  decimals (90.16), as the 12345 figures are written.
- Printed, a percentage drops a trailing .0: 50%, 7.1%, 0%.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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


CENT = Decimal("0.01")
AMOUNT_LIMIT = Decimal("1e12")  # the models' max_digits=14, decimal_places=2


class AmountError(ValueError):
    """A cell that is not a usable amount; the message is Chinese and names the text."""


def parse_amount(raw):
    """A quantity from a cell (量化指标, 完成值): None for an empty cell, else a Decimal
    rounded half up to cents. Thousands separators and spaces are allowed ("1,200");
    text, negative and too-large numbers raise AmountError."""
    text = "" if raw is None else str(raw).strip()
    if text == "":
        return None
    value = None
    if not isinstance(raw, bool):
        try:
            value = Decimal(re.sub(r"[,，\s]", "", text))
        except InvalidOperation:
            pass
    if value is None or not value.is_finite():
        raise AmountError(f"“{text}”不是数字")
    if value < 0:
        raise AmountError(f"不能为负数：{text}")
    # "1e309" is a finite Decimal too large to round to cents (InvalidOperation)
    if value >= AMOUNT_LIMIT or value.quantize(CENT, rounding=ROUND_HALF_UP) >= AMOUNT_LIMIT:
        raise AmountError(f"数值过大：{text}")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def amount_text(value):
    """Decimal("1200.00") → "1200", Decimal("2.50") → "2.5", None → ""."""
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}"
