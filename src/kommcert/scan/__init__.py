"""`kommcert scan`: search local log files for Indicators of Compromise, exactly and fast."""
