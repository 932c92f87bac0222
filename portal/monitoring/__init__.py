"""Two-stage monitoring of mentoring pairs and groups (issue 12 item 4)."""
