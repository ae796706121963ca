"""Fail early and clearly on a Python that is too old."""

import sys

if sys.version_info < (3, 11):  # noqa: UP036 - runs on whatever python3 the machine has
    sys.exit(f"kommcert braucht Python 3.11 oder neuer (gefunden: {sys.version.split()[0]}).")
