"""Networks once built: saving and loading, ensembles and their test-time views, cost (FLOPs)."""
