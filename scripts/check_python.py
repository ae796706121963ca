"""Fail early and clearly on a Python that is too old."""

import sys

if sys.version_info < (3, 11):
    sys.exit(f"kommcert braucht Python 3.11 oder neuer (gefunden: {sys.version.split()[0]}).")
