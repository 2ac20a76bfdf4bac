"""Comparison across representations and the tables and plots made from metrics files."""
