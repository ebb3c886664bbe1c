"""The report archive: making a report stores its figures; reopening renders them.
The kind comes from the figures (the bulletin's say "kind": "bulletin")."""

from duban.reports.models import Report


def store(office, figures, user=None):
    """Archive a report's figures (after its document rendered, so a failed rendering
    leaves no row behind)."""
    return Report.objects.create(
        kind=kind_of(figures),
        office=office,
        period=figures["period"],
        title=figures["title"],
        figures=figures,
        created_by=user if user is not None and user.is_authenticated else None,
    )


def kind_of(figures):
    """The archive kind of a figures dict: the bulletin's and the summary's name theirs,
    the rest are monthly."""
    if figures.get("kind") in (Report.Kind.BULLETIN, Report.Kind.SUMMARY):
        return figures["kind"]
    return Report.Kind.MONTHLY
