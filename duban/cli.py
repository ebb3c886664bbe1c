"""The `duban` console script: a thin wrapper around Django's management commands.

`duban migrate`, `duban demo`, `duban ledger import ...` are exactly
`python manage.py migrate` and so on, with the settings module preset.
"""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 — loads the settings: a wrong environment says so in one line
    except ImproperlyConfigured as error:
        sys.stderr.write(f"配置错误：{error}\n")
        raise SystemExit(2) from None
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "duban"
    _setup()
    execute_from_command_line(argv)


def _setup():
    """The apps loaded once before the command runs (execute_from_command_line finds them
    ready), then the garbage collector settled for a long job (duban.core.runtime)."""
    import django

    from duban.core.runtime import settle

    django.setup()
    settle()


if __name__ == "__main__":
    main()
