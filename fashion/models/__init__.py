"""Networks: the architecture registry and its builders, saving and loading, ensembles, cost."""
