"""The documents register: the mentoring documents each organization must keep (DOMAIN.md §3)."""
