"""The characters no page, document, spreadsheet or database of duban keeps: the C0
control characters other than tab, line feed and carriage return. XML 1.0 forbids
them (a Word or Excel file with one cannot be written), PostgreSQL refuses NUL in
text, and none of them shows on a page. They arrive pasted from other programs or
typed by someone probing the forms.

The one home of that rule: forms and query strings lose them on the way in
(`core.http.ControlCharactersMiddleware`), the official documents and the Excel
writer drop them on the way out (stored before, or imported), the API refuses them
naming the field, and an imported file with a NUL is refused as damaged
(`core.tabular.read_rows`)."""

import re

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def without_controls(text):
    """`text` without those characters (a str; anything else as given)."""
    if isinstance(text, str) and CONTROL.search(text):
        return CONTROL.sub("", text)
    return text
