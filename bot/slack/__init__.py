"""The Slack surface: Bolt listeners, Block Kit rendering, run threads, and the HTTP server."""
