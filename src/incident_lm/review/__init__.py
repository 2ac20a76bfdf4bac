"""The review layer: themes, emerging themes, the review queue and similar-incident search."""
