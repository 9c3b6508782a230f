"""Who runs the refreshes: Celery workers in production, a thread when embedded."""
