"""Reading telemetry: metrics, logs and traces, and judging them."""
