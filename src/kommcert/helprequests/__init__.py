"""Help requests: a municipality asks for a provider or the MIRT, the CERT approves and assigns."""
