from duban.org import roles as R


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    held = R.roles_of(user)
    return {
        "duban_roles": [str(R.ROLE_NAMES[c]) for c in R.ROLE_NAMES if c in held],
        "is_supervisor": R.is_supervisor(user),
        "duban_profile": R.profile_of(user),
        "duban_display_name": R.display_name(user),
    }
