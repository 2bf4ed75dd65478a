"""Names of the mechanisms compared, importable before Django is set up."""

BASELINE = "no-history"
FLEET = "fleet"
SIMPLE_HISTORY = "simple-history"
REVERSION = "reversion"
MECHANISM_NAMES = (BASELINE, FLEET, SIMPLE_HISTORY, REVERSION)
