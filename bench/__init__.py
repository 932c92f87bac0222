"""Benchmarks printed by ``make bench`` as ``name: value unit (target …)`` lines."""
