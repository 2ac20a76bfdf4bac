"""Language models trained on incident text: one training loop (``loop``), objectives behind one interface
(``objectives``: MLM, SimCSE), the settings (``config``), recipes that run a list of phases (``recipes``:
tune a pre-trained encoder, or train a small BERT from scratch with its own tokenizer, ``scratch``)."""
