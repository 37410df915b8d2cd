"""Everything preprod keeps: a sqlite file through sqlite-utils. No SQL lives elsewhere."""
