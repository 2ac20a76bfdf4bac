"""The text recipe shared by every stage that reads free text: normalisation (prepare, search) and
tokenisation (the word-based representations and the fastText word vectors)."""
