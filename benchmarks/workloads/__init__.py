"""Benchmark workloads, one module per family; importing a module registers its workloads."""
