"""Warn- und Informationsdienst: CSAF sources, advisories, the CERT's own warnings, matching, statuses."""
