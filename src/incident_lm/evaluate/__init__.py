"""Evaluation of representations: downstream probes, clustering, retrieval, statistics."""
