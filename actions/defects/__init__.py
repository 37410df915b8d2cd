"""Defects: findings filed once in a tracker (built-in or Jira), triaged, re-checked after fixes."""
