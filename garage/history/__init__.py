"""The history engine of car aggregates."""
