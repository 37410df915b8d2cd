"""The `kubernetes` environment kind, through the official client."""
