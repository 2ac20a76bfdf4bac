"""Rendering results for people: tables and plot data from the comparison, the README's results block, and
the summary ``make pipeline`` prints. Nothing here computes a statistic (that is ``evaluate``)."""
