"""Quarterly monitoring reports: catalogue, periods, reports, validation, workflow, audit."""
