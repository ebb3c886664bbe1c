from django.db import models

from duban.progress.models import ReasonCategory


class ReasonKeyword(models.Model):
    """A keyword that suggests a 滞后原因 category (textkit/reasons.py). When the table has
    no rows the built-in keywords are used; once the admin adds any, only these count."""

    category = models.ForeignKey(
        ReasonCategory,
        verbose_name="原因类别",
        on_delete=models.CASCADE,
        related_name="keywords",
    )
    keyword = models.CharField("关键词", max_length=30)
    weight = models.PositiveSmallIntegerField(
        "权重", default=0, help_text="0 表示按关键词字数计分（越长越具体）"
    )

    class Meta:
        verbose_name = "滞后原因关键词"
        verbose_name_plural = "滞后原因关键词"
        ordering = ["category__order", "keyword"]
        constraints = [
            models.UniqueConstraint(fields=["category", "keyword"], name="textkit_keyword_unique")
        ]

    def __str__(self):
        return f"{self.keyword} → {self.category.name}"


def active_rules():
    """{category name: [(keyword, weight)]} from the admin's rows, or the built-in ones."""
    from duban.textkit.reasons import default_rules

    rows = ReasonKeyword.objects.filter(category__active=True).select_related("category")
    if not rows.exists():
        active = set(ReasonCategory.objects.filter(active=True).values_list("name", flat=True))
        return {k: v for k, v in default_rules().items() if k in active}
    rules = {}
    for row in rows:
        rules.setdefault(row.category.name, []).append(
            (row.keyword, row.weight or len(row.keyword))
        )
    return rules
