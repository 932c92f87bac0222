"""Administration: accounts, role assignments and the organization registry."""
