"""Benchmark of fleet's history engine beside two history libraries."""
