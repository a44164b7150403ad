"""The `yima` console script: Django's management commands with yima's settings.

Hyphenated command names are accepted (`yima import-ledger` runs `import_ledger`), so the
commands read as the README writes them.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yima.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    if len(argv) > 1 and argv[1] == "demo":
        # The demo is a local trial: debug mode unless the caller chose otherwise.
        os.environ.setdefault("YIMA_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
