"""Form fields shared by every app's forms."""

from django import forms

from duban.core.periods import MAX_YEAR, MIN_YEAR, PeriodError, parse_year


class YearField(forms.IntegerField):
    """A year through the one parser (`periods.parse_year`): four ASCII digits from
    MIN_YEAR to MAX_YEAR; "²", "２０２２" or twenty digits are a Chinese form error."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", MIN_YEAR)
        kwargs.setdefault("max_value", MAX_YEAR)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int):
            value = str(value)
        try:
            return parse_year(value)
        except PeriodError as error:
            raise forms.ValidationError(str(error), code="invalid")
