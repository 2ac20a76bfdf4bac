"""Language models trained on incident text: BERT tuning (MLM, SimCSE), BERT from scratch, fastText."""
