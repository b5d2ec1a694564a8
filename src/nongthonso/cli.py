"""The ``nongthonso`` console script: Django's management commands with the project's settings.

``nongthonso demo``, ``nongthonso report summary --unit 19 --as-of 2023-06-30``,
``nongthonso import values FILE --dry-run`` … are the management commands of the same names.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nongthonso.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["nongthonso", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
