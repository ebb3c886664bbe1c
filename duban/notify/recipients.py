"""Who in a unit receives what is sent to the unit."""

from django.contrib.auth import get_user_model


def unit_people(unit_ids, roles):
    """{unit id: [active users of the unit holding any of `roles`]}, by username, in one
    query."""
    people = {}
    users = (
        get_user_model()
        .objects.filter(
            is_active=True, profile__unit_id__in=unit_ids, profile__roles__code__in=roles
        )
        .select_related("profile")
        .distinct()
        .order_by("username")
    )
    for user in users:
        people.setdefault(user.profile.unit_id, []).append(user)
    return people
