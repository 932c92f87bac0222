"""Who reported: the municipal and regional status pages of a period."""
