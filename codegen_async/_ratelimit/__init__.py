"""Rate limiting: sliding windows, the per-group limiter, its status, the Redis limiter."""
