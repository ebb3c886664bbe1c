"""The report archive: making a report stores its figures; reopening renders them."""

from duban.reports.models import Report


def store(office, figures, user=None):
    """Archive a report's figures (after its document rendered, so a failed rendering
    leaves no row behind)."""
    return Report.objects.create(
        kind=Report.Kind.MONTHLY,
        office=office,
        period=figures["period"],
        title=figures["title"],
        figures=figures,
        created_by=user if user is not None and user.is_authenticated else None,
    )
