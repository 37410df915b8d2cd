"""The surfaces: Slack, the terminal and schedules, all speaking one command grammar."""
