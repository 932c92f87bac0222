"""Roadmaps of implementing the target model, their execution, and the presence check."""
