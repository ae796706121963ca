"""Product inventories of the organisations and the shared product catalogue."""
