"""Neural text encoders used in place: local Hugging Face model folders (``hf``), pooling, int8 inference.

Shared by the ``bert`` representation (inference) and the language-model training code (``lm``), which
does not belong to either.
"""
