"""Matching advisories against inventories: CPE 2.3, purl, version ranges; one result per organisation and advisory."""
