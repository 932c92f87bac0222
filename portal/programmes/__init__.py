"""Personalised mentoring programmes (ППН) of pairs and groups, in seed 004's structure."""
