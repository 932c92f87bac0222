"""Tenants: the region → municipality → organization hierarchy, role assignments and scoping."""
