"""LLM prompt templates as text files, one per task (the first arrive with the insight step)."""
