"""Start pages: what is new for the reader since the last visit, and the IT service provider's
opt-in view of the municipalities it serves."""
