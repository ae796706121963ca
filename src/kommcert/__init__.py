"""kommcert: the platform on which a Land and its municipalities defend together."""

__version__ = "0.1.0"
