"""Making sense of what a run produced: redaction now; log mining and LLM analysis later."""
