"""Incident-domain word vectors: training (fastText or gensim), the backend adapter, the neighbour report."""
