"""The shared core every layer builds on: params, errors, atomic IO, artefact contracts, the stage runner.

Nothing here imports another layer of the package, and nothing here imports torch.
"""
