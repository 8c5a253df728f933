"""Model calls: endpoints, retries, token usage and secret handling."""
